# Read by the deploy workflow with `terraform output -json` (see
# docs/infrastructure.md, "What the deploy workflow reads").

output "environment" {
  description = "staging or production."
  value       = var.environment
}

output "manager_public_ip" {
  description = "Where scripts/deploy.sh runs: ssh root@<this> (from inside admin_cidr)."
  value       = digitalocean_droplet.manager.ipv4_address
}

output "swarm_host" {
  description = "SWARM_HOST of the deploy workflows (docs/ci-cd.md); empty without deploy_ssh_public_key."
  value       = var.deploy_ssh_public_key == "" ? "" : "deploy@${digitalocean_droplet.manager.ipv4_address}"
}

output "manager_private_ip" {
  description = "The manager's VPC address; the Swarm is addressed by it."
  value       = digitalocean_droplet.manager.ipv4_address_private
}

output "edge_ip" {
  description = "Reserved IP of the edge node: the A record of DOMAIN."
  value       = digitalocean_reserved_ip.edge.ip_address
}

output "workers" {
  description = "Worker name to public and private address."
  value = {
    for w in digitalocean_droplet.worker : w.name => {
      public_ip  = w.ipv4_address
      private_ip = w.ipv4_address_private
    }
  }
}

output "private_cidr" {
  description = "The VPC range: Swarm ports are open only to it."
  value       = digitalocean_vpc.main.ip_range
}

output "backup_bucket" {
  description = "BACKUP_S3_BUCKET of stack/minitwit.env."
  value       = digitalocean_spaces_bucket.backups.name
}

output "backup_s3_endpoint" {
  description = "BACKUP_S3_ENDPOINT (and S3_ENDPOINT_URL of scripts/backup.sh)."
  value       = local.s3_endpoint
}

output "backup_s3_region" {
  description = "BACKUP_S3_REGION."
  value       = var.region
}

output "minitwit_env" {
  description = "Lines for stack/minitwit.env on the manager that come from the infrastructure."
  value       = <<-EOT
    BACKUP_S3_BUCKET=${digitalocean_spaces_bucket.backups.name}
    BACKUP_S3_ENDPOINT=${local.s3_endpoint}
    BACKUP_S3_REGION=${var.region}
  EOT
}
