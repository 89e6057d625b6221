# The API token comes from DIGITALOCEAN_TOKEN and the Spaces keys (for the
# backup bucket) from SPACES_ACCESS_KEY_ID and SPACES_SECRET_ACCESS_KEY in the
# environment; nothing secret is written here or in the tfvars files.
provider "digitalocean" {}
