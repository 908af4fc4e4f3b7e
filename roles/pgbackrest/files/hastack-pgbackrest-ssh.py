# hastack.platform: forced command of the pgBackRest SSH keys (authorized_keys
# command="python3 <this> --role=repo|pg --stanza=S --pg-path=P").
#
# pgBackRest reaches another host by running, over SSH,
#   pgbackrest --exec-id=... --process=0 --remote-type=repo --repo=1 --stanza=main ... archive-push:remote
# This runs that and nothing else: the remote command of the one expected role
# (repo on the repository host, for the db hosts; pg on the db hosts, for the
# repository host), one of the commands that side needs, for our stanza only,
# with no option that changes paths, configuration, locks or commands. So a
# db host's key cannot stanza-delete, expire, backup or point the repository
# host at another path, and the repository host's key cannot restore over a
# db host's data. The command is parsed as words and executed without a shell.
import argparse
import os
import re
import shlex
import sys

PGBACKREST = '/usr/bin/pgbackrest'

# What each side needs of the other.
COMMANDS = {
    # db host -> repository host: archiving, and restore.yml's restore.
    'repo': {'archive-push', 'archive-get', 'restore'},
    # repository host -> db host: backups (from the standby, started on the primary), check, stanza-create.
    'pg': {'backup', 'check', 'stanza-create'},
}

# Options that pick what is read or written, with what configuration, or what runs.
FORBIDDEN = re.compile(
    r'^(repo[0-9]*-.*|pg[0-9]*-host.*|cmd|cmd-ssh|config|config-path|config-include-path|lock-path|log-path'
    r'|spool-path|tls-.*|stanza|remote-type|repo|pg[0-9]*-path|pg[0-9]*-socket-path|pg[0-9]*-user|pg[0-9]*-database)$')

# Options pgBackRest itself may repeat: since 2.5x (Debian 13) a remote gets one
# --lock=<name> per lock its caller holds (names, not paths: lock-path stays forbidden).
REPEATABLE = {'lock'}

OPTION = re.compile(r'^--([a-z0-9][a-z0-9-]*)(?:=(.*))?$')


class Refused(Exception):
    pass


def check(words, role, stanza, pg_path):
    """Return the argv to run, or raise Refused with the reason."""
    if len(words) < 2 or words[0] not in ('pgbackrest', PGBACKREST):
        raise Refused('this key only runs pgbackrest')
    command = words[-1]
    name, dummy, suffix = command.partition(':')
    if suffix != 'remote' or name not in COMMANDS[role]:
        raise Refused("this key only runs the %s remote of %s; not '%s'"
                      % (role, ', '.join(sorted(COMMANDS[role])), command))
    seen = {}
    for word in words[1:-1]:
        match = OPTION.match(word)
        if not match:
            raise Refused("unexpected argument '%s'" % word)
        option, value = match.group(1), match.group(2)
        if option in seen and option not in REPEATABLE:
            raise Refused('option --%s given twice' % option)
        seen[option] = value
        if option == 'remote-type':
            if value != role:
                raise Refused('this key only serves --remote-type=%s' % role)
        elif option == 'stanza':
            if value != stanza:
                raise Refused('this key only serves stanza %s' % stanza)
        elif option == 'repo':
            if value not in ('1', '2'):
                raise Refused('--repo=%s is not allowed' % value)
        elif re.match(r'^pg[0-9]*-path$', option):
            if option != 'pg1-path' or value != pg_path:
                raise Refused('--%s=%s is not allowed' % (option, value))
        elif option == 'lock':
            if not value or '/' in value:
                raise Refused('--lock=%s is not a lock name' % value)
        elif FORBIDDEN.match(option):
            raise Refused('--%s is not allowed through this key' % option)
    for required in ('remote-type', 'stanza'):
        if required not in seen:
            raise Refused('--%s is missing' % required)
    return [PGBACKREST] + words[1:]


def main():
    parser = argparse.ArgumentParser(description='Forced command of the pgBackRest SSH keys.')
    parser.add_argument('--role', choices=sorted(COMMANDS), required=True, help='remote type this host serves')
    parser.add_argument('--stanza', required=True)
    parser.add_argument('--pg-path', required=True, help='the data directory (pg1-path) of the db hosts')
    args = parser.parse_args()
    original = os.environ.get('SSH_ORIGINAL_COMMAND', '')
    try:
        if re.search(r'[;&|$`<>(){}\\\n*?\[\]]', original):
            raise Refused('shell syntax is not allowed')
        argv = check(shlex.split(original), args.role, args.stanza, args.pg_path)
    except (Refused, ValueError) as exc:
        sys.stderr.write('hastack: refused: %s\n' % exc)
        return 1
    os.execv(PGBACKREST, argv)
    return 1


if __name__ == '__main__':
    sys.exit(main())
