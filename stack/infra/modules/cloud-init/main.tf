# Renders the cloud-init user data of one kind of node. No provider: it is
# validated and rendered offline by scripts/infra-check.sh (checks/cloud-init).

locals {
  node_env = join("", [for k, v in {
    NODE_ROLE      = var.role
    PRIVATE_CIDR   = var.private_cidr
    ADMIN_CIDR     = var.admin_cidr
    MANAGER_ADDR   = var.manager_addr
    NODE_LABELS    = join(" ", var.node_labels)
    PUBLIC_PORTS   = join(" ", var.public_ports)
    INSTALL_DOCKER = "1"
    DEPLOY_SSH_KEY = var.deploy_ssh_public_key
  } : "${k}='${v}'\n"])

  node_init = templatefile("${path.module}/templates/node-init.sh.tftpl", {
    db_volume_name  = var.db_volume_name
    db_volume_mount = var.db_volume_mount
  })

  cloud_config = {
    write_files = [
      {
        path        = "/usr/local/sbin/minitwit-provision"
        owner       = "root:root"
        permissions = "0755"
        content     = var.provision_script
      },
      {
        path        = "/usr/local/sbin/minitwit-node-init"
        owner       = "root:root"
        permissions = "0755"
        content     = local.node_init
      },
      {
        path        = "/etc/minitwit/node.env"
        owner       = "root:root"
        permissions = "0600"
        content     = local.node_env
      },
    ]
    runcmd = [["/usr/local/sbin/minitwit-node-init"]]
  }

  user_data = "#cloud-config\n${yamlencode(local.cloud_config)}"
}
