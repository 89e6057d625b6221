resource "digitalocean_vpc" "main" {
  name        = local.name
  region      = var.region
  ip_range    = var.vpc_ip_range
  description = "MiniTwit ${var.environment}: Swarm traffic between the nodes"

  lifecycle {
    # Everything depends on the VPC, so this stops any plan that would apply
    # one environment's variables to the other environment's state.
    precondition {
      condition     = terraform.workspace == var.environment
      error_message = "The selected workspace is \"${terraform.workspace}\" but environment is \"${var.environment}\": run `terraform workspace select ${var.environment}` or pass the other tfvars file."
    }
  }
}

# The cloud firewall is the outer layer; every node also enables the same
# rules in nftables (stack/infra/node/provision.sh), so a droplet that lost
# its tag, or traffic from inside the VPC, still meets a deny-by-default host.
# DigitalOcean applies it to public and VPC traffic alike.
resource "digitalocean_firewall" "nodes" {
  name = local.name
  tags = [digitalocean_tag.environment.name]

  # The gateway (host-mode ports on the edge node; open on every node so the
  # edge label can move without a firewall change).
  inbound_rule {
    protocol         = "tcp"
    port_range       = "80"
    source_addresses = ["0.0.0.0/0", "::/0"]
  }

  inbound_rule {
    protocol         = "tcp"
    port_range       = "443"
    source_addresses = ["0.0.0.0/0", "::/0"]
  }

  dynamic "inbound_rule" {
    for_each = var.admin_cidr == "" ? [] : [var.admin_cidr]
    content {
      protocol         = "tcp"
      port_range       = "22"
      source_addresses = [inbound_rule.value]
    }
  }

  # Swarm: cluster management, node gossip, overlay (VXLAN) data. Only from
  # the VPC. The cloud firewall cannot pass ESP, so encrypted overlay
  # networks would not work; the stack uses none.
  inbound_rule {
    protocol         = "tcp"
    port_range       = "2377"
    source_addresses = [digitalocean_vpc.main.ip_range]
  }

  inbound_rule {
    protocol         = "tcp"
    port_range       = "7946"
    source_addresses = [digitalocean_vpc.main.ip_range]
  }

  inbound_rule {
    protocol         = "udp"
    port_range       = "7946"
    source_addresses = [digitalocean_vpc.main.ip_range]
  }

  inbound_rule {
    protocol         = "udp"
    port_range       = "4789"
    source_addresses = [digitalocean_vpc.main.ip_range]
  }

  # Path MTU discovery and ping.
  inbound_rule {
    protocol         = "icmp"
    source_addresses = ["0.0.0.0/0", "::/0"]
  }

  # Out: package mirrors, the image registry, Let's Encrypt, Spaces.
  outbound_rule {
    protocol              = "tcp"
    port_range            = "1-65535"
    destination_addresses = ["0.0.0.0/0", "::/0"]
  }

  outbound_rule {
    protocol              = "udp"
    port_range            = "1-65535"
    destination_addresses = ["0.0.0.0/0", "::/0"]
  }

  outbound_rule {
    protocol              = "icmp"
    destination_addresses = ["0.0.0.0/0", "::/0"]
  }
}
