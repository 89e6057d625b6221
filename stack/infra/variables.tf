variable "environment" {
  description = "staging or production. Must equal the selected workspace (see the precondition in network.tf), so one environment's variables are never applied to the other's state."
  type        = string

  validation {
    condition     = contains(["staging", "production"], var.environment)
    error_message = "environment must be staging or production."
  }
}

variable "project" {
  description = "Prefix of every resource name and tag."
  type        = string
  default     = "minitwit"
}

variable "region" {
  description = "DigitalOcean region of the droplets, the volume, the reserved IP and the backup bucket (it must offer Spaces)."
  type        = string
  default     = "fra1"
}

variable "vpc_ip_range" {
  description = "Private network of this environment. VPC ranges may not overlap within an account, so staging and production use different ones."
  type        = string
  default     = "10.110.0.0/20"

  validation {
    condition     = can(cidrnetmask(var.vpc_ip_range))
    error_message = "vpc_ip_range must be an IPv4 CIDR block such as 10.110.0.0/20."
  }
}

variable "image" {
  description = "Droplet image. provision.sh is written for Debian 12."
  type        = string
  default     = "debian-12-x64"
}

variable "manager_size" {
  description = "Droplet size of the manager, which also runs PostgreSQL and the gateway (labels minitwit.db and minitwit.edge)."
  type        = string
  default     = "s-2vcpu-4gb"
}

variable "worker_size" {
  description = "Droplet size of each worker."
  type        = string
  default     = "s-2vcpu-2gb"
}

variable "worker_count" {
  description = "Number of Swarm workers next to the manager."
  type        = number
  default     = 2

  validation {
    condition     = var.worker_count >= 0 && var.worker_count <= 20 && floor(var.worker_count) == var.worker_count
    error_message = "worker_count must be a whole number from 0 to 20."
  }
}

variable "db_volume_size" {
  description = "Size in GiB of the block-storage volume that holds PostgreSQL's data. It can grow later (then resize2fs on the manager: docs/infrastructure.md), never shrink."
  type        = number
  default     = 20

  validation {
    condition     = var.db_volume_size >= 1 && var.db_volume_size <= 16384
    error_message = "db_volume_size must be between 1 and 16384 GiB."
  }
}

variable "admin_cidr" {
  description = "The one address range SSH (port 22) is open to, on the cloud firewall and on every node's nftables; it must hold the operator's and the deploy workflow's address. Empty: no SSH at all (then workers cannot be joined by Terraform)."
  type        = string

  validation {
    condition     = var.admin_cidr == "" || can(cidrnetmask(var.admin_cidr))
    error_message = "admin_cidr must be an IPv4 CIDR block (203.0.113.10/32) or empty."
  }

  validation {
    condition     = var.admin_cidr != "0.0.0.0/0"
    error_message = "admin_cidr must not be the whole internet."
  }
}

variable "ssh_key_fingerprints" {
  description = "Fingerprints (or IDs) of SSH keys already added to the DigitalOcean account; they are installed for root on every droplet."
  type        = list(string)

  validation {
    condition     = length(var.ssh_key_fingerprints) > 0
    error_message = "At least one SSH key is needed: the deploy workflow and the worker join log in with it."
  }
}

variable "backup_bucket_name" {
  description = "Name of the Spaces bucket for database backups (unique across all of DigitalOcean's Spaces in the region). Empty: <project>-<environment>-backups."
  type        = string
  default     = ""
}

variable "backup_expiry_days" {
  description = "Backup objects older than this are deleted by the bucket itself, a backstop behind the backup service's own BACKUP_KEEP_DAYS."
  type        = number
  default     = 30
}

variable "stack_name" {
  description = "Name of the Swarm stack that scripts/deploy.sh deploys (STACK_NAME); the db volume is mounted where its pgdata volume lives."
  type        = string
  default     = "minitwit"
}

variable "join_workers" {
  description = "Join the workers to the Swarm from the machine running Terraform, over SSH (stack/infra/scripts/join-worker.sh). Needs ssh and an agent holding one of ssh_key_fingerprints, and that machine inside admin_cidr."
  type        = bool
  default     = true
}

variable "backup_bucket_force_destroy" {
  description = "Let `terraform destroy` delete the backup bucket together with the backups in it."
  type        = bool
  default     = false
}

variable "deploy_ssh_public_key" {
  description = "Public half of SWARM_SSH_KEY (docs/ci-cd.md): the manager gets a user `deploy` in the docker group with this key. Empty: no deploy user."
  type        = string
  default     = ""
}
