# Renders the cloud-init user data of both kinds of node with example
# settings, offline and without a provider, for scripts/infra-check.sh, which
# then checks the documents (cloud-init schema, shellcheck of the scripts in
# them). Not for deployment: the root module in stack/infra is.

terraform {
  required_version = ">= 1.5.7, < 2.0.0"
}

locals {
  provision_script = file("${path.module}/../../node/provision.sh")
}

module "manager" {
  source = "../../modules/cloud-init"

  role             = "manager"
  private_cidr     = "10.110.0.0/20"
  admin_cidr       = "203.0.113.10/32"
  node_labels      = ["minitwit.db=true", "minitwit.edge=true"]
  provision_script = local.provision_script
  db_volume_name   = "minitwit-staging-pgdata"
  db_volume_mount  = "/var/lib/docker/volumes/minitwit_pgdata"

  deploy_ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMiniTwitExampleKeyNotARealOneAtAll0000000 deploy@example"
}

module "worker" {
  source = "../../modules/cloud-init"

  role             = "worker"
  private_cidr     = "10.110.0.0/20"
  admin_cidr       = ""
  manager_addr     = "10.110.0.2"
  provision_script = local.provision_script
}

output "manager_user_data" {
  value = module.manager.user_data
}

output "worker_user_data" {
  value = module.worker.user_data
}
