# `terraform destroy` checks no precondition and reads no tfvars that could
# stop it, so a destroy run in the wrong workspace would take production
# down. The caller makes this module depend on everything (depends_on), so
# its resource is destroyed first, and that destroy fails, stopping the run
# before anything else goes, unless MINITWIT_DESTROY names the environment
# recorded in the state. No provider: scripts/infra-check.sh tries it
# offline (checks/destroy-guard).

terraform {
  required_version = ">= 1.5.7, < 2.0.0"
}

variable "environment" {
  description = "The environment this state holds."
  type        = string
}

resource "terraform_data" "guard" {
  input = {
    environment = var.environment
  }

  provisioner "local-exec" {
    when    = destroy
    command = "[ \"$MINITWIT_DESTROY\" = \"$GUARDED\" ] || { echo \"refusing to destroy $GUARDED: set MINITWIT_DESTROY=$GUARDED to mean it\" >&2; exit 1; }"
    environment = {
      GUARDED = self.input.environment
    }
  }
}
