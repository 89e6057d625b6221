# The address DNS points at. It stays when the edge droplet is replaced:
# only the assignment moves.
resource "digitalocean_reserved_ip" "edge" {
  region = var.region
}

resource "digitalocean_reserved_ip_assignment" "edge" {
  ip_address = digitalocean_reserved_ip.edge.ip_address
  droplet_id = digitalocean_droplet.manager.id
}
