#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hastack.platform maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pg_standby
short_description: Make this PostgreSQL node a standby streaming from a given primary
version_added: 0.1.0
description:
  - Declarative. Does nothing when the node already streams from O(primary_host) with the same settings.
  - A running standby is repointed with a reload (C(primary_conninfo) and C(primary_slot_name) are
    reloadable since PostgreSQL 13); the settings live in the postgresql role's
    C(conf.d/90-hastack-replication.conf), outside the data directory.
  - A stopped node (a former primary) gets C(standby.signal) and, when O(allow_rewind=true), is rewound
    with pg_rewind if its timeline diverged (pg_rewind says when none is needed), then started.
  - A running standby that cannot stream from the new primary (its timeline forked) is stopped and rewound.
  - Re-clones with pg_basebackup only when O(allow_clone=true); the old data directory is kept until the
    copy succeeds.
  - Once it streams, slots left on the node from its days as primary are dropped and the fence is lifted.
  - Never demotes a running primary; fence it first with P(hastack.platform.pg_fence#module).
extends_documentation_fragment:
  - hastack.platform.pg_node
author: hastack.platform maintainers (@hastack)
attributes:
  check_mode:
    support: full
    description: Reports what it would do and changes nothing.
  diff_mode:
    support: none
    description: The planned actions are returned instead.
options:
  primary_host:
    description: Address of the primary to stream from.
    type: str
    required: true
  primary_port:
    description: Its port.
    type: int
    default: 5432
  replication_user:
    description: Role that replicates (and that pg_rewind connects as).
    type: str
    default: replicator
  passfile:
    description: Password file of the postgres user with the replication password.
    type: path
    default: /var/lib/postgresql/.pgpass
  application_name:
    description: Name this standby reports, as used in C(synchronous_standby_names).
    type: str
    required: true
  slot_name:
    description: Replication slot on the primary; defaults to O(application_name).
    type: str
  sslmode:
    description:
      - libpq C(sslmode) of every connection to the primary (streaming, pg_rewind, pg_basebackup).
      - The postgresql role passes C(verify-full) when TLS is on; unset leaves libpq's default.
    type: str
    choices: [disable, allow, prefer, require, verify-ca, verify-full]
  sslrootcert:
    description: CA certificate that verifies the primary's certificate.
    type: path
  allow_rewind:
    description: Rewind a diverged timeline with pg_rewind.
    type: bool
    default: true
  allow_clone:
    description: Replace the data directory with a pg_basebackup when rewinding cannot help.
    type: bool
    default: false
  cascade:
    description:
      - Allow O(primary_host) to be a standby itself (cascading replication). switchover.yml points the
        other standbys at the target before promoting it, so that they follow its promotion at once and
        synchronous commits need not wait for them after it.
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait for the node to stream.
    type: int
    default: 60
"""

EXAMPLES = r"""
- name: Follow the new primary
  hastack.platform.pg_standby:
    primary_host: 10.0.0.32
    application_name: db3
  register: followed
"""

RETURN = r"""
actions:
  description: What was done (or would be, in check mode), in order.
  type: list
  elements: str
  returned: always
  sample: [repointed, stopped, rewound, started, dropped slot db2, unfenced]
timeline:
  description: Timeline the node follows afterwards.
  type: int
  returned: success, not in check mode
dropped_slots:
  description: Slots removed from this node.
  type: list
  elements: str
  returned: always
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hastack.platform.plugins.module_utils import pg_ha
from ansible_collections.hastack.platform.plugins.module_utils.pg_node import (
    NODE_ARGUMENT_SPEC,
    PgNodeError,
    connect,
    node_report,
    resolve_paths,
)


class Follower(object):
    """The steps that bring one node to 'streaming from primary_host'."""

    def __init__(self, module):
        self.params = module.params
        self.check_mode = module.check_mode
        self.paths = resolve_paths(self.params)
        self.actions = []
        self.dropped = []
        p = self.params
        self.slot = p['slot_name'] or p['application_name']
        self.tls = dict(sslmode=p['sslmode'], sslrootcert=p['sslrootcert'])
        self.conf_text = pg_ha.replication_conf_text(p['primary_host'], p['primary_port'], p['replication_user'],
                                                     p['passfile'], p['application_name'], self.slot, **self.tls)
        self.source = 'host=%s port=%s user=%s dbname=postgres passfile=%s connect_timeout=5' % (
            p['primary_host'], p['primary_port'], p['replication_user'], p['passfile'])
        self.source += ''.join(' %s=%s' % option for option in pg_ha.tls_options(**self.tls))

    def report(self):
        return node_report(self.params)

    def streaming(self):
        return pg_ha.streams_from(self.report(), self.params['primary_host'])

    def check_primary(self, report):
        p = self.params
        target = pg_ha.remote_state(p['primary_host'], p['primary_port'], p['replication_user'], p['passfile'],
                                    **self.tls)
        if not target['reachable']:
            raise PgNodeError('the primary %s cannot be reached: %s' % (p['primary_host'], target['error']))
        if target['in_recovery'] and not p['cascade']:
            raise PgNodeError('%s is a standby, not a primary; follow the primary instead' % p['primary_host'])
        if report.get('system_identifier') and report['system_identifier'] != target['system_identifier']:
            if not p['allow_clone']:
                raise PgNodeError('this node holds another cluster (system identifier %s, the primary has %s); '
                                  're-clone it with allow_clone (rejoin.yml -e allow_clone=yes)'
                                  % (report['system_identifier'], target['system_identifier']))
            return 'clone'
        return None

    def in_sync(self, report):
        try:
            with open(self.conf_path()) as handle:
                same_conf = handle.read() == self.conf_text
        except OSError:
            same_conf = False
        left_slots = [slot['slot_name'] for slot in report.get('slots') or [] if not slot.get('active')]
        return (pg_ha.streams_from(report, self.params['primary_host']) and same_conf
                and not report.get('fenced') and not left_slots)

    def conf_path(self):
        return '%s/conf.d/%s' % (self.paths.config_dir, pg_ha.REPLICATION_CONF)

    def run(self):
        if self.paths is None or not self.paths.cluster_exists:
            raise PgNodeError('no PostgreSQL cluster configuration on this host; converge site.yml first')
        report = self.report()
        if report.get('running') and report.get('in_recovery') is False:
            raise PgNodeError('this node runs as a primary; pg_standby never demotes a running primary. '
                              'Fence and stop it first (pg_fence), as switchover.yml and failover.yml do.')
        if report.get('data_exists') and report.get('running') and self.in_sync(report):
            return False
        plan = 'clone' if not report.get('data_exists') else self.check_primary(report)
        if plan == 'clone' and not self.params['allow_clone']:
            raise PgNodeError('this node has no data; clone it with allow_clone (rejoin.yml -e allow_clone=yes)')
        if self.check_mode:
            self.actions = ['clone'] if plan == 'clone' else (['repoint'] if report.get('running') else ['rewind if diverged', 'start'])
            return True
        if plan == 'clone':
            self.clone()
        elif report.get('running'):
            self.repoint_running()
        else:
            self.start_stopped()
        self.finish()
        return True

    def repoint_running(self):
        if pg_ha.write_replication_conf(self.paths, self.conf_text):
            pg_ha.reload_config(self.paths)
            self.actions.append('repointed')
        if pg_ha.wait_until(self.streaming, self.params['wait_timeout']):
            return
        if not self.params['allow_rewind']:
            raise PgNodeError('repointed, but the node does not stream from %s within %d s (a forked timeline?); '
                              'allow_rewind would rewind it' % (self.params['primary_host'], self.params['wait_timeout']))
        pg_ha.systemctl('stop', self.paths)
        self.actions.append('stopped')
        self.start_stopped()

    def start_stopped(self):
        if pg_ha.write_replication_conf(self.paths, self.conf_text):
            self.actions.append('repointed')
        if self.params['allow_rewind']:
            rewound, _output = pg_ha.rewind(self.paths, self.source)
            if rewound:
                self.actions.append('rewound')
        pg_ha.ensure_standby_signal(self.paths)  # after pg_rewind, which removes files the source lacks
        pg_ha.systemctl('start', self.paths)
        self.actions.append('started')
        if pg_ha.wait_until(self.streaming, self.params['wait_timeout']):
            return
        if not self.params['allow_clone']:
            raise PgNodeError('started as a standby, but it does not stream from %s within %d s; see its log, or '
                              're-clone it with allow_clone (rejoin.yml -e allow_clone=yes)'
                              % (self.params['primary_host'], self.params['wait_timeout']))
        pg_ha.systemctl('stop', self.paths)
        self.clone()

    def clone(self):
        p = self.params
        if self.report().get('running'):
            pg_ha.systemctl('stop', self.paths)
        pg_ha.clone(self.paths, p['primary_host'], p['primary_port'], p['replication_user'], p['passfile'], self.slot,
                    **self.tls)
        self.actions.append('cloned')
        pg_ha.write_replication_conf(self.paths, self.conf_text)
        pg_ha.ensure_standby_signal(self.paths)
        pg_ha.systemctl('start', self.paths)
        self.actions.append('started')
        if not pg_ha.wait_until(self.streaming, p['wait_timeout']):
            raise PgNodeError('cloned, but the node does not stream from %s within %d s; see its log'
                              % (p['primary_host'], p['wait_timeout']))

    def finish(self):
        conn = connect(self.params)
        try:
            self.dropped = pg_ha.drop_local_slots(conn)
        finally:
            conn.close()
        self.actions.extend('dropped slot %s' % name for name in self.dropped)
        if pg_ha.remove_fence(self.paths):
            self.actions.append('unfenced')


def main():
    argument_spec = dict(
        NODE_ARGUMENT_SPEC,
        primary_host=dict(type='str', required=True),
        primary_port=dict(type='int', default=5432),
        replication_user=dict(type='str', default='replicator'),
        passfile=dict(type='path', default='/var/lib/postgresql/.pgpass'),
        application_name=dict(type='str', required=True),
        slot_name=dict(type='str'),
        sslmode=dict(type='str', choices=['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full']),
        sslrootcert=dict(type='path'),
        allow_rewind=dict(type='bool', default=True),
        allow_clone=dict(type='bool', default=False),
        cascade=dict(type='bool', default=False),
        wait_timeout=dict(type='int', default=60),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    follower = Follower(module)
    try:
        changed = follower.run()
        result = dict(changed=changed, actions=follower.actions, dropped_slots=follower.dropped)
        if changed and not module.check_mode:
            result['timeline'] = follower.report().get('timeline')
    except PgNodeError as exc:
        module.fail_json(msg=str(exc), actions=follower.actions)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
