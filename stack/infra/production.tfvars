# terraform workspace select production && terraform apply -var-file=production.tfvars
# admin_cidr and ssh_key_fingerprints come from TF_VAR_admin_cidr and
# TF_VAR_ssh_key_fingerprints (docs/infrastructure.md); nothing here is secret.
environment  = "production"
vpc_ip_range = "10.120.0.0/20"

manager_size   = "s-2vcpu-4gb"
worker_size    = "s-2vcpu-2gb"
worker_count   = 2
db_volume_size = 20

backup_expiry_days = 30
# A bucket with backups in it survives `terraform destroy`.
backup_bucket_force_destroy = false
