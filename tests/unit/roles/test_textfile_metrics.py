"""The monitoring role's textfile collector (roles/monitoring/files/hastack-textfile-metrics):
what it makes of pgBackRest's info, the drill results, rsyslog's counters, and its output."""
from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import os

import pytest

SCRIPT = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'roles', 'monitoring', 'files',
                      'hastack-textfile-metrics')
_loader = importlib.machinery.SourceFileLoader('hastack_textfile_metrics', SCRIPT)
_spec = importlib.util.spec_from_loader('hastack_textfile_metrics', _loader)
collector = importlib.util.module_from_spec(_spec)
_loader.exec_module(collector)

NOW = 1_000_000


def samples(metrics, name):
    """{frozenset(labels): value} of one family."""
    return {frozenset(labels.items()): value for labels, value in metrics.families.get(name, ('', '', []))[2]}


def backup(kind, stop, error=False):
    return {'type': kind, 'timestamp': {'start': stop - 60, 'stop': stop}, 'error': error}


def test_a_fuller_backup_counts_for_the_cheaper_types():
    metrics = collector.Metrics()
    stanzas = [{'name': 'main', 'status': {'code': 0}, 'repo': [{'key': 1, 'status': {'code': 0}}],
                'backup': [backup('full', NOW - 7200), backup('incr', NOW - 600), backup('diff', NOW - 60)]}]
    collector.pgbackrest_metrics(metrics, stanzas, NOW)
    ages = samples(metrics, 'pgbackrest_backup_since_last_completion_seconds')
    assert ages == {frozenset({('stanza', 'main'), ('backup_type', 'full')}): 7200,
                    frozenset({('stanza', 'main'), ('backup_type', 'diff')}): 60,
                    frozenset({('stanza', 'main'), ('backup_type', 'incr')}): 60}
    assert samples(metrics, 'pgbackrest_repo_status') == {frozenset({('stanza', 'main'), ('repo_key', 1)}): 0}


def test_a_failed_backup_is_no_completion_and_sets_the_error_status():
    metrics = collector.Metrics()
    stanzas = [{'name': 'main', 'status': {'code': 0}, 'repo': [],
                'backup': [backup('full', NOW - 7200), backup('full', NOW - 60, error=True)]}]
    collector.pgbackrest_metrics(metrics, stanzas, NOW)
    assert samples(metrics, 'pgbackrest_backup_since_last_completion_seconds')[
        frozenset({('stanza', 'main'), ('backup_type', 'full')})] == 7200
    assert samples(metrics, 'pgbackrest_backup_last_error_status') == {
        frozenset({('stanza', 'main'), ('backup_type', 'full')}): 1}


def test_a_stanza_without_backups_has_no_age_at_all():
    metrics = collector.Metrics()
    collector.pgbackrest_metrics(metrics, [{'name': 'main', 'status': {'code': 2}, 'backup': []}], NOW)
    assert samples(metrics, 'pgbackrest_backup_since_last_completion_seconds') == {}
    assert samples(metrics, 'pgbackrest_stanza_status') == {frozenset({('stanza', 'main')}): 2}


def test_drill_results_per_repository(tmp_path):
    (tmp_path / 'drill-repo1.json').write_text(json.dumps(
        {'stanza': 'main', 'repo': '1', 'passed': False, 'finished_at': NOW, 'last_passed_at': NOW - 86400}))
    (tmp_path / 'drill-repo2.json').write_text(json.dumps(
        {'stanza': 'main', 'repo': '2', 'passed': True, 'finished_at': NOW - 10}))
    (tmp_path / 'notes.txt').write_text('not a result')
    metrics = collector.Metrics()
    collector.collect_drills(metrics, str(tmp_path))

    def repo(number):
        return frozenset({('stanza', 'main'), ('repo', number)})
    assert samples(metrics, 'hastack_restore_drill_passed') == {repo('1'): 0, repo('2'): 1}
    assert samples(metrics, 'hastack_restore_drill_last_passed_timestamp_seconds') == {repo('1'): NOW - 86400}


def stats_line(name, size, full=0, prefix=''):
    return prefix + json.dumps({'name': name, 'origin': 'core.queue', 'size': size, 'enqueued': 10, 'full': full})


def test_rsyslog_queues_take_the_newest_counters(tmp_path):
    stats = tmp_path / 'stats.json'
    stats.write_text('\n'.join([stats_line('hastack_forward queue', 5), stats_line('main Q', 1),
                                '{"name": "imuxsock", "origin": "imuxsock", "submitted": 3}',
                                'not json', stats_line('hastack_forward queue', 42, full=2, prefix='Tue Dec  1 04:00:00 2026: ')]) + '\n')
    metrics = collector.Metrics()
    collector.collect_rsyslog(metrics, str(stats))
    assert samples(metrics, 'hastack_rsyslog_queue_size') == {frozenset({('queue', 'hastack_forward queue')}): 42,
                                                              frozenset({('queue', 'main Q')}): 1}
    assert samples(metrics, 'hastack_rsyslog_queue_full_total')[frozenset({('queue', 'hastack_forward queue')})] == 2


def test_a_large_rsyslog_stats_file_is_cut_to_the_newest_counters(tmp_path):
    stats = tmp_path / 'stats.json'
    old = stats_line('hastack_forward queue', 1) + '\n'
    stats.write_text(old * (4096 // len(old) + 1) + stats_line('hastack_forward queue', 7) + '\n')
    metrics = collector.Metrics()
    collector.collect_rsyslog(metrics, str(stats), keep_bytes=1024, max_bytes=2048)
    assert stats.read_text() == stats_line('hastack_forward queue', 7) + '\n'
    assert samples(metrics, 'hastack_rsyslog_queue_size') == {frozenset({('queue', 'hastack_forward queue')}): 7}


def test_no_stats_file_yet_is_no_metric_and_no_error(tmp_path):
    metrics = collector.Metrics()
    collector.collect_rsyslog(metrics, str(tmp_path / 'missing.json'))
    assert metrics.families == {}


def test_the_output_is_exposition_text_with_escaped_labels():
    metrics = collector.Metrics()
    metrics.add('hastack_app_release_info', 'The release.', 1, {'app': 'demo', 'release': 'a"b\\c'})
    metrics.add('hastack_textfile_errors', 'Errors.', 0)
    assert metrics.text() == ('# HELP hastack_app_release_info The release.\n'
                              '# TYPE hastack_app_release_info gauge\n'
                              'hastack_app_release_info{app="demo",release="a\\"b\\\\c"} 1\n'
                              '# HELP hastack_textfile_errors Errors.\n'
                              '# TYPE hastack_textfile_errors gauge\n'
                              'hastack_textfile_errors 0\n')


@pytest.mark.parametrize('failing', ['drills'])
def test_a_failing_collector_is_counted_and_the_rest_still_written(tmp_path, failing):
    (tmp_path / 'drills').mkdir()
    (tmp_path / 'drills' / 'drill-repo1.json').write_text('{broken')
    config = tmp_path / 'config.json'
    config.write_text(json.dumps({failing: str(tmp_path / 'drills'), 'restic': str(tmp_path / 'none')}))
    output = tmp_path / 'out.prom'
    assert collector.main(['x', str(config), str(output)]) == 1
    text = output.read_text()
    assert 'hastack_textfile_errors 1\n' in text and 'hastack_textfile_last_run_timestamp_seconds ' in text
