terraform {
  # 1.5.7 is the last MPL-licensed Terraform and the version scripts/infra-check.sh
  # builds; OpenTofu 1.6+ reads this configuration too.
  required_version = ">= 1.5.7, < 2.0.0"

  required_providers {
    digitalocean = {
      source  = "digitalocean/digitalocean"
      version = "~> 2.46"
    }
  }

  # Remote state in a Spaces bucket (S3-compatible). Everything is given at
  # `terraform init` with -backend-config (backend.hcl holds the non-secret
  # part; the keys come from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), so no
  # credential is in a file. Each workspace keeps its own state object.
  backend "s3" {}
}
