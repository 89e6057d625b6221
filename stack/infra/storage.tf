# PostgreSQL's data: a block-storage volume attached to the manager (the
# node labelled minitwit.db=true) and mounted where the stack's pgdata volume
# lives, so it outlives the droplet. It is formatted once, here; cloud-init
# only mounts it.
resource "digitalocean_volume" "pgdata" {
  name                     = "${local.name}-pgdata"
  region                   = var.region
  size                     = var.db_volume_size
  initial_filesystem_type  = "ext4"
  initial_filesystem_label = "pgdata"
  description              = "MiniTwit ${var.environment}: PostgreSQL data (${var.stack_name}_pgdata)"
  tags                     = [digitalocean_tag.environment.name]
}

# Database backups from stack/backup.yml and scripts/backup.sh (S3 API).
resource "digitalocean_spaces_bucket" "backups" {
  name   = local.backup_bucket
  region = var.region
  acl    = "private"
  # A bucket that still holds backups is not deleted by `terraform destroy`
  # unless this environment says so (staging.tfvars does).
  force_destroy = var.backup_bucket_force_destroy

  lifecycle_rule {
    id                                     = "expire-old-backups"
    enabled                                = true
    abort_incomplete_multipart_upload_days = 1

    expiration {
      days = var.backup_expiry_days
    }
  }
}
