# Debian's Ruby libraries (ruby-rails, ruby-pg, ruby-delayed-job-active-record,
# puma) are on Ruby's default load path: no Gemfile, no Bundler, no gem is ever
# fetched. No bootsnap either: it would write its cache next to the code.
ENV["RAILS_ENV"] ||= ENV["RACK_ENV"] || "production"
