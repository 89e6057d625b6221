#!/bin/sh
# Package scripts must not start daemons while an image is built.
exit 101
