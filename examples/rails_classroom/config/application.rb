require_relative "boot"

# Only the frameworks the app uses (no Active Storage, Action Cable, Action
# Text, Action Mailbox): fewer things to configure, nothing writing to disk.
require "rails"
require "active_model/railtie"
require "active_job/railtie"
require "active_record/railtie"
require "action_controller/railtie"
require "action_mailer/railtie"
require "action_view/railtie"
require "sprockets/railtie"
require "delayed_job_active_record"

module Classroom
  # Written by build-deb.sh; shown on the front page and by /health.
  VERSION = begin
    File.read(File.expand_path("../VERSION", __dir__)).strip
  rescue Errno::ENOENT
    "dev"
  end

  class Application < Rails::Application
    config.load_defaults 6.1
    config.time_zone = "UTC"
    # Secrets come from the environment only (SECRET_KEY_BASE, PGPASSWORD):
    # there is no credentials.yml.enc and no master.key to look for.
    config.require_master_key = false
    # No form sends _method; without this middleware no POST body is parsed
    # before UploadLimit has looked at its Content-Length.
    config.middleware.delete Rack::MethodOverride
  end
end
