from __future__ import annotations

from ansible_collections.hastack.platform.plugins.module_utils.pg_cluster import (
    cluster_view, standby_candidates,
)

SYSID = '7312345678901234567'


def node(role, running=True, timeline=1, sysid=SYSID, **extra):
    report = dict(installed=True, data_exists=True, role=role, running=running, timeline=timeline,
                  system_identifier=sysid, fenced=False)
    report.update(extra)
    return report


EMPTY = dict(installed=True, data_exists=False, role=None, running=False, fenced=False)


def test_fresh_group_bootstraps():
    view = cluster_view({'db1': dict(EMPTY), 'db2': dict(EMPTY), 'db3': {'installed': False}})
    assert view['state'] == 'bootstrap' and view['primary'] is None and view['problems'] == []
    assert view['empty'] == ['db1', 'db2', 'db3']


def test_fresh_group_with_an_unreachable_host_does_not_bootstrap():
    view = cluster_view({'db1': dict(EMPTY), 'db2': dict(EMPTY)}, unreachable=['db3'])
    assert view['state'] == 'broken'
    assert 'db3 cannot be reached' in view['problems'][0]


def test_one_running_primary_is_the_primary_whatever_the_inventory_says():
    view = cluster_view({
        'db1': node('standby', timeline=2),
        'db2': node('primary', timeline=2, current_lsn='0/6000000'),
        'db3': node('standby', timeline=2),
    })
    assert view['state'] == 'running' and view['primary'] == 'db2'
    assert view['standbys'] == ['db1', 'db3'] and view['problems'] == []
    assert view['system_identifier'] == SYSID and view['timeline'] == 2


def test_new_standby_without_data_joins():
    view = cluster_view({'db1': node('primary'), 'db2': node('standby'), 'db3': dict(EMPTY)})
    assert view['state'] == 'running' and view['empty'] == ['db3']


def test_split_brain_names_both_hosts_and_stops():
    view = cluster_view({'db1': node('primary'), 'db2': node('primary', timeline=2), 'db3': node('standby')})
    assert view['state'] == 'broken' and view['primary'] is None
    assert 'Split brain: db1, db2' in view['problems'][0]


def test_fenced_primary_does_not_count_as_writable():
    view = cluster_view({'db1': node('primary', fenced=True), 'db2': node('primary', timeline=2)})
    assert view['state'] == 'running' and view['primary'] == 'db2'
    assert view['needs_rejoin'] == ['db1']


def test_mixed_system_identifiers_stop_and_name_the_hosts():
    view = cluster_view({'db1': node('primary'), 'db2': node('standby'), 'db3': node('primary', sysid='999')})
    assert view['state'] == 'broken'
    problem = ' '.join(view['problems'])
    assert '999 on db3' in problem and SYSID + ' on db1, db2' in problem


def test_stopped_old_primary_after_promotion_needs_rejoin_and_is_not_started():
    view = cluster_view({
        'db1': node('primary', running=False, timeline=1, controldata_state='shut down'),
        'db2': node('primary', timeline=2),
        'db3': node('standby', timeline=2),
    })
    assert view['state'] == 'running' and view['primary'] == 'db2'
    assert view['needs_rejoin'] == ['db1'] and view['problems'] == []


def test_whole_cluster_stopped_starts_the_old_primary():
    view = cluster_view({
        'db1': node('primary', running=False),
        'db2': node('standby', running=False),
        'db3': node('standby', running=False),
    })
    assert view['state'] == 'stopped' and view['primary'] == 'db1'
    assert view['stopped_standbys'] == ['db2', 'db3']


def test_stopped_primary_behind_a_promoted_standby_is_never_started():
    view = cluster_view({
        'db1': node('primary', running=False, timeline=1),
        'db2': node('standby', running=False, timeline=2),
    })
    assert view['state'] == 'broken' and view['primary'] is None
    assert 'must not start as primary' in view['problems'][0]


def test_no_primary_while_a_host_is_unreachable_is_refused():
    view = cluster_view({'db1': node('primary', running=False), 'db2': node('standby')}, unreachable=['db3'])
    assert view['state'] == 'broken' and 'db3 cannot be reached' in view['problems'][0]


def test_no_primary_candidate_at_all():
    view = cluster_view({'db1': node('standby'), 'db2': node('standby')})
    assert view['state'] == 'broken' and 'Choose with failover.yml' in view['problems'][0]


def test_standby_on_a_newer_timeline_than_the_primary_is_a_problem():
    view = cluster_view({'db1': node('primary', timeline=1), 'db2': node('standby', timeline=2)})
    assert view['state'] == 'broken' and 'newer timeline' in view['problems'][0]


def test_candidates_are_ranked_by_wal_then_name():
    reports = {
        'db1': node('primary', running=False),
        'db2': node('standby', receive_lsn='0/5000000', replay_lsn='0/4000000'),
        'db3': node('standby', receive_lsn='0/5000000', replay_lsn='0/5000000'),
        'db4': node('standby', receive_lsn='0/3000000', replay_lsn='0/3000000'),
    }
    view = cluster_view({k: v for k, v in reports.items() if k != 'db1'})
    assert standby_candidates(view, reports) == ['db2', 'db3', 'db4']
    assert standby_candidates(view, reports, max_lag_bytes=0x1000000) == ['db2', 'db3']


def standby(received, **extra):
    return node('standby', in_recovery=True, receive_lsn=received, replay_lsn=received, **extra)
