# Workers join the Swarm from the machine that runs Terraform: the worker
# token is read from the manager over SSH and piped straight into the
# worker's provisioning over a second SSH connection. It never appears in
# user data (readable by every process on a droplet through the metadata
# service), in the Terraform state, in a file or in a log.
# docs/infrastructure.md explains why this was chosen over the alternatives.
resource "terraform_data" "worker_join" {
  count = var.join_workers ? var.worker_count : 0

  # A new worker or a new manager (a new Swarm) joins again.
  triggers_replace = [digitalocean_droplet.manager.id, digitalocean_droplet.worker[count.index].id]

  # Destroy-time provisioners may only read self, so keep what they need here.
  input = {
    manager_host = digitalocean_droplet.manager.ipv4_address
    worker_host  = digitalocean_droplet.worker[count.index].ipv4_address
    worker_name  = digitalocean_droplet.worker[count.index].name
    script       = "${path.module}/scripts/join-worker.sh"
  }

  provisioner "local-exec" {
    command = "${self.input.script} join"
    environment = {
      MANAGER_HOST = self.input.manager_host
      WORKER_HOST  = self.input.worker_host
      WORKER_NAME  = self.input.worker_name
    }
  }

  # Scaling down: drain the worker so its tasks move before it disappears,
  # then forget it. A manager that is already gone is no reason to stop.
  provisioner "local-exec" {
    when       = destroy
    on_failure = continue
    command    = "${self.input.script} leave"
    environment = {
      MANAGER_HOST = self.input.manager_host
      WORKER_HOST  = self.input.worker_host
      WORKER_NAME  = self.input.worker_name
    }
  }
}
