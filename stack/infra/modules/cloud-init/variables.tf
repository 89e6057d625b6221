variable "role" {
  description = "manager or worker (NODE_ROLE of provision.sh)."
  type        = string

  validation {
    condition     = contains(["manager", "worker"], var.role)
    error_message = "role must be manager or worker."
  }
}

variable "private_cidr" {
  description = "The VPC range (PRIVATE_CIDR): Swarm ports are open to it only."
  type        = string

  validation {
    condition     = can(cidrnetmask(var.private_cidr))
    error_message = "private_cidr must be an IPv4 CIDR block."
  }
}

variable "admin_cidr" {
  description = "SSH is open to this range only (ADMIN_CIDR); empty: no SSH."
  type        = string

  validation {
    condition     = var.admin_cidr == "" || can(cidrnetmask(var.admin_cidr))
    error_message = "admin_cidr must be an IPv4 CIDR block or empty."
  }
}

variable "manager_addr" {
  description = "Private address of the manager (MANAGER_ADDR); workers only."
  type        = string
  default     = ""

  validation {
    condition     = var.manager_addr == "" || can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$", var.manager_addr))
    error_message = "manager_addr must be an IPv4 address or empty."
  }
}

variable "node_labels" {
  description = "Swarm labels k=v the manager puts on itself at init (NODE_LABELS)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for l in var.node_labels : can(regex("^[A-Za-z0-9._-]+=[A-Za-z0-9._-]*$", l))])
    error_message = "node_labels must look like minitwit.db=true."
  }
}

variable "public_ports" {
  description = "TCP ports open to everyone (PUBLIC_PORTS)."
  type        = list(number)
  default     = [80, 443]
}

variable "provision_script" {
  description = "Content of stack/infra/node/provision.sh."
  type        = string
}

variable "db_volume_name" {
  description = "Name of the DigitalOcean volume holding PostgreSQL's data, attached to this node; empty on other nodes."
  type        = string
  default     = ""
}

variable "db_volume_mount" {
  description = "Where that volume is mounted: the directory of the stack's pgdata volume under Docker's data root."
  type        = string
  default     = ""
}

variable "deploy_ssh_public_key" {
  description = "Public key of the deploy user (the manager's `deploy`, in the docker group) that the deploy workflows log in as; empty: no such user."
  type        = string
  default     = ""

  validation {
    condition     = var.deploy_ssh_public_key == "" || can(regex("^(ssh-ed25519|ecdsa-sha2-nistp256|ssh-rsa) [A-Za-z0-9+/=]+( [^'\\n]*)?$", var.deploy_ssh_public_key))
    error_message = "deploy_ssh_public_key must be one OpenSSH public key line."
  }
}
