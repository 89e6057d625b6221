output "user_data" {
  description = "The cloud-config document for the droplet's user_data."
  value       = local.user_data

  precondition {
    condition     = length(local.user_data) <= 65535
    error_message = "DigitalOcean accepts at most 64 KiB of user data."
  }

  precondition {
    condition     = (var.db_volume_name == "") == (var.db_volume_mount == "")
    error_message = "db_volume_name and db_volume_mount go together."
  }

  precondition {
    condition     = var.role == "manager" || var.manager_addr != ""
    error_message = "A worker needs manager_addr."
  }
}
