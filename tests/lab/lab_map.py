"""Print what runs where in the lab: hosts, addresses, containers, endpoints.

Reads the lab inventory through ansible-inventory and probes each service
endpoint with a one-second TCP connect from an app host, so the map says what
answers now.
"""
import json
import subprocess
import urllib.request
import sys
import time

ENDPOINTS = [
    ('web (HTTP)', 'hastack_vip_web', 80),
    ('db (PostgreSQL read-write)', 'hastack_vip_db', 5432),
    ('db-ro (PostgreSQL read-only)', 'hastack_vip_db', 5433),
]


def answers(client, address, port, wait=0.0):
    """A TCP connect within one second from the client container, as the app
    hosts would connect (the PostgreSQL ports are closed to this machine);
    retried for up to wait seconds, since a VIP is claimed a few seconds after
    keepalived starts."""
    deadline = time.monotonic() + wait
    while True:
        result = subprocess.run(
            ['docker', 'exec', client, 'timeout', '1', 'bash', '-c', '</dev/tcp/%s/%d' % (address, port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10, check=False)
        if result.returncode == 0:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.5)


def postgres_role(container):
    """'primary', 'standby' or 'down', asked inside the container over its local socket."""
    result = subprocess.run(
        ['docker', 'exec', container, 'runuser', '-u', 'postgres', '--', 'psql', '-XAtc', 'SELECT pg_is_in_recovery()'],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, universal_newlines=True, timeout=10, check=False)
    return {'f': 'primary', 't': 'standby'}.get(result.stdout.strip(), 'down')


def app_version(vip):
    """'demo 1.0.0 on app2' from the app's /version through the web VIP, as a browser would ask."""
    try:
        with urllib.request.urlopen('http://%s/version' % vip, timeout=2) as response:
            data = json.loads(response.read())
        return '%s on %s' % (data.get('version'), data.get('host'))
    except (OSError, ValueError):
        return 'not answering'


def release(container):
    """'Debian 13.2' from the container's /etc/debian_version."""
    result = subprocess.run(['docker', 'exec', container, 'cat', '/etc/debian_version'], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, universal_newlines=True, timeout=10, check=False)
    return 'Debian ' + result.stdout.strip() if result.returncode == 0 else 'not running'


def postgres_version(container):
    """'PostgreSQL 17.6' from the server binary the host has, or '' where there is none."""
    result = subprocess.run(['docker', 'exec', container, 'sh', '-c', '/usr/lib/postgresql/*/bin/postgres --version'],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, universal_newlines=True, timeout=10,
                            check=False)
    words = result.stdout.split()  # postgres (PostgreSQL) 17.12 (Debian 17.12-0+deb13u1)
    return 'PostgreSQL ' + words[2] if result.returncode == 0 and len(words) > 2 else ''


def log_hosts(container):
    """Hosts whose logs the log server holds (directories under /var/log/remote)."""
    result = subprocess.run(['docker', 'exec', container, 'ls', '/var/log/remote'], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, universal_newlines=True, timeout=10, check=False)
    return result.stdout.split()


def backups(container):
    """'2 (newest 20261123-...F, full)' from pgBackRest's repository 1."""
    result = subprocess.run(['docker', 'exec', container, 'runuser', '-u', 'postgres', '--', 'pgbackrest',
                             '--stanza=main', '--output=json', 'info'], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            universal_newlines=True, timeout=30, check=False)
    try:
        sets = json.loads(result.stdout)[0].get('backup', [])
    except (ValueError, IndexError):
        return 'none'
    return '%d (newest %s, %s)' % (len(sets), sets[-1]['label'], sets[-1]['type']) if sets else 'none'


def monitoring(container, address):
    """Targets up and alerts firing, as the monitoring host's Prometheus says."""
    def get(path):
        result = subprocess.run(['docker', 'exec', container, 'curl', '-sf', '-m', '5', 'http://%s:9090%s' % (address, path)],
                                capture_output=True, text=True, check=False)
        return json.loads(result.stdout)['data'] if result.returncode == 0 else None
    targets, alerts = get('/api/v1/targets'), get('/api/v1/alerts')
    if targets is None or alerts is None:
        return 'not answering yet'
    active = targets['activeTargets']
    firing = sorted({a['labels']['alertname'] for a in alerts['alerts'] if a['state'] == 'firing'})
    return '%d of %d targets up; firing: %s' % (sum(t['health'] == 'up' for t in active), len(active),
                                                ', '.join(firing) or 'nothing')


def main(inventory, wait=0.0):
    data = json.loads(subprocess.check_output(['ansible-inventory', '-i', inventory, '--list']))
    hostvars = data['_meta']['hostvars']
    groups = {}
    groups_of = {}
    for group, body in data.items():
        for host in body.get('hosts', []) if isinstance(body, dict) else []:
            groups.setdefault(host, []).append(group)
            groups_of.setdefault(group, []).append(host)
    some_host = next(iter(hostvars.values()))
    prefix = some_host.get('lab_container_prefix', 'lab-')

    row = '%-6s %-14s %-10s %-13s %-16s %s'
    print(row % ('host', 'address', 'container', 'release', 'postgresql', 'groups'))
    for host in sorted(hostvars):
        print(row % (host, hostvars[host]['hastack_address'], prefix + host, release(prefix + host),
                     postgres_version(prefix + host) or '-', ','.join(sorted(groups.get(host, [])))))
    print()
    client = prefix + sorted(groups_of.get('app') or sorted(hostvars))[0]
    for name, var, port in ENDPOINTS:
        address = some_host.get(var)
        state = 'answering' if address and answers(client, address, port, wait) else 'not served yet'
        print('%-30s %s:%-5s %s' % (name, address, port, state))
    db_hosts = sorted(data.get('db', {}).get('hosts', []))
    if db_hosts:
        print('%-30s %s' % ('PostgreSQL', ', '.join('%s %s' % (h, postgres_role(prefix + h)) for h in db_hosts)))
    web = some_host.get('hastack_vip_web')
    if web and groups_of.get('app'):
        print('%-30s %s' % ('app through the VIP', ', '.join(sorted(set(app_version(web) for _request in range(6))))))
    for host in sorted(data.get('logserver', {}).get('hosts', [])):
        print('%-30s %s' % ('logs on ' + host, ', '.join(log_hosts(prefix + host)) or 'none yet'))
    for host in sorted(data.get('backup', {}).get('hosts', [])):
        print('%-30s %s' % ('backups on ' + host, backups(prefix + host)))
    for host in sorted(data.get('monitoring', {}).get('hosts', [])):
        address = hostvars[host]['hastack_address']
        status = monitoring(prefix + host, address)
        print('%-30s http://%s:9090/consoles/hastack.html (Alertmanager :9093) %s' % ('monitoring on ' + host, address, status))
    print('\nshell: docker exec -it %sdb1 bash    converge: make lab    remove: make lab-down' % prefix)


if __name__ == '__main__':
    # lab_map.py [INVENTORY] [SECONDS to wait for the endpoints]
    main(sys.argv[1] if len(sys.argv) > 1 else 'inventories/lab', float(sys.argv[2]) if len(sys.argv) > 2 else 0.0)
