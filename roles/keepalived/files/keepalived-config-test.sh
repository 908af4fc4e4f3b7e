# shellcheck shell=sh
# keepalived --config-test for the template module's validate.
# Debian 12's keepalived 2.2.7 kills itself (exit 143) after testing a config
# that runs scripts as a non-root user, valid or not (acassen/keepalived#2587,
# fixed in 2.2.8). It prints every error it finds before that, so: no output
# and exit 0 or 143 means the config is good.
config=$1
output=$(timeout 20 /usr/sbin/keepalived --config-test --use-file "$config" 2>&1)
status=$?
if { [ "$status" -eq 0 ] || [ "$status" -eq 143 ]; } && [ -z "$output" ]; then
    exit 0
fi
printf '%s\n' "$output" >&2
echo "keepalived --config-test failed (exit $status) for $config" >&2
exit 1
