module minitwit/web

go 1.26.0

require minitwit/shared v0.0.0

replace minitwit/shared => ../shared
