# -*- coding: utf-8 -*-
# Copyright: hastack.platform maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The whole PostgreSQL group at once, from every node's pg_node_info report.

Pure functions, no I/O: the same rules decide what site.yml may do and
what the failover playbooks may do. The primary is what the nodes say,
never what the inventory says.
"""

from __future__ import annotations

from ansible_collections.hastack.platform.plugins.module_utils.pg_node import lsn_to_int


def _names(reports, predicate):
    return sorted(name for name, report in reports.items() if predicate(report))


def _position(report):
    """How far a node's WAL goes: the most it has, written or received."""
    candidates = [lsn_to_int(report.get(key)) for key in ('current_lsn', 'receive_lsn', 'replay_lsn', 'checkpoint_lsn')]
    candidates = [value for value in candidates if value is not None]
    return max(candidates) if candidates else None


def cluster_view(reports, unreachable=()):
    """Summarise node reports {host: report} into one view of the cluster.

    Returns a dict:
      state: 'bootstrap' (no data anywhere), 'running' (one running primary),
             'stopped' (data but no running primary and one safe node to start),
             'broken' (see problems)
      primary: the host that is (or is to be started as) the primary, or None
      standbys: running standbys; stopped_standbys; empty: hosts with no data yet
      needs_rejoin: stopped former primaries that must never start as primaries
      fenced: hosts marked fenced
      problems: messages that name the hosts and the fix; non-empty means stop
    """
    unreachable = sorted(unreachable)
    with_data = {name: r for name, r in reports.items() if r.get('data_exists')}
    running_primaries = _names(with_data, lambda r: r.get('running') and r.get('role') == 'primary')
    stopped_primaries = _names(with_data, lambda r: not r.get('running') and r.get('role') == 'primary')
    view = dict(
        state=None,
        primary=None,
        standbys=_names(with_data, lambda r: r.get('running') and r.get('role') == 'standby'),
        stopped_standbys=_names(with_data, lambda r: not r.get('running') and r.get('role') == 'standby'),
        empty=_names(reports, lambda r: not r.get('data_exists')),
        needs_rejoin=[],
        fenced=_names(reports, lambda r: r.get('fenced')),
        unreachable=unreachable,
        system_identifier=None,
        timeline=None,
        problems=[],
    )
    problems = view['problems']

    identifiers = {}
    for name, report in sorted(with_data.items()):
        identifiers.setdefault(report.get('system_identifier'), []).append(name)
    if len(identifiers) > 1:
        groups = '; '.join('%s on %s' % (sysid, ', '.join(hosts)) for sysid, hosts in sorted(identifiers.items(), key=str))
        problems.append(
            'The db hosts hold different clusters (system identifiers: %s). They are not replicas of one '
            'another; move the stray data directory away or remove the host from the group, then re-run.' % groups)
    elif identifiers:
        view['system_identifier'] = next(iter(identifiers))

    writable = [name for name in running_primaries if name not in view['fenced']]
    if len(writable) > 1:
        problems.append(
            'Split brain: %s are all running as writable primaries. Nothing was changed. Keep the one with '
            'the data you trust, stop the others, then run rejoin.yml for them.' % ', '.join(writable))
        view['state'] = 'broken'
        return view

    if writable:
        primary = writable[0]
        view['state'] = 'running'
        view['primary'] = primary
        view['timeline'] = with_data[primary].get('timeline')
        view['needs_rejoin'] = [name for name in stopped_primaries + running_primaries if name != primary]
        ahead = [name for name in view['standbys'] if (with_data[name].get('timeline') or 0) > (view['timeline'] or 0)]
        if ahead:
            problems.append(
                '%s follow a newer timeline than the primary %s (timeline %s): another node was promoted '
                'after it. Find the right primary before changing anything.' % (', '.join(ahead), primary, view['timeline']))
    elif not with_data:
        view['state'] = 'bootstrap'
        if unreachable:
            problems.append(
                'No db host holds data, but %s cannot be reached: it may hold the cluster. Bring it back or '
                'remove it from the inventory before bootstrapping.' % ', '.join(unreachable))
    else:
        _choose_stopped_primary(view, with_data, stopped_primaries)

    if problems:
        view['state'] = 'broken'
    return view


def _choose_stopped_primary(view, with_data, stopped_primaries):
    """Data everywhere but no running primary: start one only if it is safe."""
    candidates = [name for name in stopped_primaries if name not in view['fenced']]
    if view['unreachable']:
        view['problems'].append(
            'No primary is running and %s cannot be reached. Starting a primary now could create a second '
            'one; bring every db host back, or use failover.yml -e confirm=yes.' % ', '.join(view['unreachable']))
        return
    if len(candidates) != 1:
        view['problems'].append(
            'No primary is running and %s could be one (%s). Choose with failover.yml.'
            % ('none' if not candidates else 'several hosts', ', '.join(candidates) or 'all are standbys or fenced'))
        return
    candidate = candidates[0]
    newest = max((r.get('timeline') or 0) for r in with_data.values())
    if (with_data[candidate].get('timeline') or 0) < newest:
        view['problems'].append(
            'No primary is running; %s was a primary on timeline %s but other hosts reached timeline %s. '
            'It must not start as primary: run failover.yml, then rejoin.yml for %s.'
            % (candidate, with_data[candidate].get('timeline'), newest, candidate))
        return
    view['state'] = 'stopped'
    view['primary'] = candidate
    view['timeline'] = with_data[candidate].get('timeline')


def standby_candidates(view, reports, max_lag_bytes=None):
    """Standbys ordered best first for promotion: most WAL, then name."""
    ranked = []
    for name in view['standbys']:
        position = _position(reports[name])
        if position is not None:
            ranked.append((-position, name))
    ranked.sort()
    best = -ranked[0][0] if ranked else None
    return [name for neg, name in ranked if max_lag_bytes is None or best - (-neg) <= max_lag_bytes]
