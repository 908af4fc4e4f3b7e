# /usr/bin/puma -C /usr/lib/classroom/config/puma.rb, the app role's web unit.
app_dir = File.expand_path("..", __dir__)
directory app_dir
rackup File.join(app_dir, "config.ru")
tag "classroom"
environment ENV.fetch("RAILS_ENV", "production")

address = ENV.fetch("APP_ADDRESS", "127.0.0.1")
address = "[#{address}]" if address.include?(":")
bind "tcp://#{address}:#{ENV.fetch("APP_PORT", "8000")}"

threads_count = Integer(ENV.fetch("RAILS_MAX_THREADS", 5))
threads threads_count, threads_count
workers Integer(ENV.fetch("WEB_CONCURRENCY", 2))
preload_app!

# SIGTERM (systemctl stop/restart): stop accepting, finish the requests in
# flight, exit 0. Under the role's TimeoutStopSec (app_stop_timeout, 30 s).
worker_shutdown_timeout Integer(ENV.fetch("PUMA_SHUTDOWN_TIMEOUT", 25))
raise_exception_on_sigterm false
# No pidfile or state file: systemd tracks the process, the code is read-only.
