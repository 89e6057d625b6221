# Destroyed first; refuses unless MINITWIT_DESTROY=<environment> (see the module).
module "destroy_guard" {
  source = "./modules/destroy-guard"

  environment = var.environment

  depends_on = [
    digitalocean_vpc.main,
    digitalocean_firewall.nodes,
    digitalocean_droplet.manager,
    digitalocean_droplet.worker,
    digitalocean_volume.pgdata,
    digitalocean_reserved_ip_assignment.edge,
    digitalocean_spaces_bucket.backups,
    terraform_data.worker_join,
  ]
}
