# The only environment shipped: everything that differs between hosts comes
# from the environment file (/etc/hastack-app/classroom.env).
Rails.application.configure do
  config.cache_classes = true
  config.eager_load = true
  config.consider_all_requests_local = false
  config.action_controller.perform_caching = true

  # Nothing is written under /usr/lib/classroom at run time (the app role's
  # units see it read-only): logs go to stdout (journald), the cache stays in
  # memory, no schema dump after migrations.
  $stdout.sync = true
  config.logger = ActiveSupport::TaggedLogging.new(ActiveSupport::Logger.new($stdout))
  config.log_level = ENV.fetch("RAILS_LOG_LEVEL", "info")
  config.log_tags = [:request_id]
  config.cache_store = :memory_store, { size: 16.megabytes }
  config.active_record.dump_schema_after_migration = false

  # No nginx: puma serves the assets precompiled at build time. Every file
  # in public/ is digest-stamped (public/assets only), so it may be cached
  # for a year.
  config.public_file_server.enabled = ENV.fetch("RAILS_SERVE_STATIC_FILES", "true") != "false"
  config.public_file_server.headers = { "Cache-Control" => "public, max-age=31536000, immutable" }
  config.assets.compile = false
  config.assets.css_compressor = nil
  # Reproducible builds: a fixed manifest name (Sprockets picks a random one)
  # and no .gz copies (their gzip header carries the build time).
  config.assets.manifest = Rails.root.join("public/assets/.sprockets-manifest.json").to_s
  config.assets.gzip = false

  # Jobs in PostgreSQL (delayed_job), run by `bin/rails jobs:work`.
  config.active_job.queue_adapter = :delayed_job

  # Mail through the host's MTA, by SMTP on loopback (the mta role's
  # postfix): the app role's sandbox (ProtectSystem=strict) forbids
  # sendmail's writes to the mail queue.
  config.action_mailer.delivery_method = :smtp
  config.action_mailer.smtp_settings = {
    address: ENV.fetch("CLASSROOM_SMTP_ADDRESS", "127.0.0.1"),
    port: Integer(ENV.fetch("CLASSROOM_SMTP_PORT", 25)),
    enable_starttls_auto: false,
  }
  # A failed delivery fails the job, which delayed_job retries.
  config.action_mailer.raise_delivery_errors = true
  config.action_mailer.default_options = { from: ENV.fetch("CLASSROOM_MAIL_FROM", "classroom@localhost") }
  config.action_mailer.default_url_options = { host: ENV.fetch("CLASSROOM_PUBLIC_HOST", "localhost") }

  config.i18n.fallbacks = true
  config.active_support.deprecation = :notify
end
