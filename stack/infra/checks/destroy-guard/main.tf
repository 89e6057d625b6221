# scripts/infra-check.sh applies this, then destroys it without, with the
# wrong and with the right MINITWIT_DESTROY: only the last may remove
# anything, and "precious" (standing in for the droplets and the volume,
# which the guard is made to depend on as in stack/infra/guard.tf) must
# outlive every refused run.

terraform {
  required_version = ">= 1.5.7, < 2.0.0"
}

resource "terraform_data" "precious" {
  input = "the production database"
}

module "destroy_guard" {
  source = "../../modules/destroy-guard"

  environment = "production"

  depends_on = [terraform_data.precious]
}
