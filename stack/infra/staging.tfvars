# terraform workspace select staging && terraform apply -var-file=staging.tfvars
# admin_cidr and ssh_key_fingerprints come from TF_VAR_admin_cidr and
# TF_VAR_ssh_key_fingerprints (docs/infrastructure.md); nothing here is secret.
environment  = "staging"
vpc_ip_range = "10.110.0.0/20"

manager_size   = "s-2vcpu-4gb"
worker_size    = "s-1vcpu-2gb"
worker_count   = 1
db_volume_size = 10

backup_expiry_days          = 7
backup_bucket_force_destroy = true
