# The non-secret half of the remote state settings:
#   terraform init -backend-config=backend.hcl
# with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY set to a Spaces access key
# in the environment. The bucket is made once by hand (docs/infrastructure.md).
# Each workspace's state is env/<workspace>/minitwit/terraform.tfstate.
# Written for Terraform 1.5.7; for Terraform 1.6+ or OpenTofu replace
# `endpoint` with `endpoints = { s3 = "..." }` and add
# skip_requesting_account_id = true and skip_s3_checksum = true.
bucket                      = "minitwit-terraform-state"
key                         = "minitwit/terraform.tfstate"
workspace_key_prefix        = "env"
region                      = "us-east-1"
endpoint                    = "https://fra1.digitaloceanspaces.com"
skip_credentials_validation = true
skip_region_validation      = true
skip_metadata_api_check     = true
