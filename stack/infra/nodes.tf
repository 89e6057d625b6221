module "manager_init" {
  source = "./modules/cloud-init"

  role             = "manager"
  private_cidr     = digitalocean_vpc.main.ip_range
  admin_cidr       = var.admin_cidr
  node_labels      = local.manager_labels
  provision_script = local.provision_script
  db_volume_name   = digitalocean_volume.pgdata.name
  db_volume_mount  = local.pgdata_mount

  deploy_ssh_public_key = var.deploy_ssh_public_key
}

resource "digitalocean_droplet" "manager" {
  name       = "${local.name}-manager"
  region     = var.region
  size       = var.manager_size
  image      = var.image
  vpc_uuid   = digitalocean_vpc.main.id
  ssh_keys   = var.ssh_key_fingerprints
  user_data  = module.manager_init.user_data
  volume_ids = [digitalocean_volume.pgdata.id]
  monitoring = true
  # PostgreSQL gets a clean shutdown before a resize or destroy.
  graceful_shutdown = true
  tags              = [digitalocean_tag.environment.name, digitalocean_tag.manager.name]

  lifecycle {
    # cloud-init runs once, at the first boot; a changed provision.sh, image
    # or key list must not replace the manager (and with it the Swarm).
    # docs/infrastructure.md says how such a change is rolled out.
    ignore_changes = [user_data, image, ssh_keys]
  }
}

module "worker_init" {
  source = "./modules/cloud-init"

  role             = "worker"
  private_cidr     = digitalocean_vpc.main.ip_range
  admin_cidr       = var.admin_cidr
  manager_addr     = digitalocean_droplet.manager.ipv4_address_private
  provision_script = local.provision_script
}

resource "digitalocean_droplet" "worker" {
  count = var.worker_count

  name       = format("%s-worker-%d", local.name, count.index + 1)
  region     = var.region
  size       = var.worker_size
  image      = var.image
  vpc_uuid   = digitalocean_vpc.main.id
  ssh_keys   = var.ssh_key_fingerprints
  user_data  = module.worker_init.user_data
  monitoring = true
  tags       = [digitalocean_tag.environment.name, digitalocean_tag.worker.name]

  lifecycle {
    ignore_changes = [user_data, image, ssh_keys]
    # A new manager is a new Swarm at a new private address (MANAGER_ADDR in
    # the workers' user data): the workers are made again with it.
    replace_triggered_by = [digitalocean_droplet.manager.id]
  }
}
