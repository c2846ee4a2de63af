"""What run_scale.py reads from outside queuemond: a minimal Redis client (INFO commandstats,
ECHO fences), a MONITOR capture that attributes every command to the process whose socket sent
it, the kernel's per-socket TCP counters (ss -ti) and per-thread CPU time (schedstat).

Nothing here sleeps a fixed time to wait for something: fences are awaited with a deadline.
"""
import os
import re
import socket
import subprocess
import time

# Commands this harness itself sends; left out of every command count.
OWN_COMMANDS = {'info', 'echo', 'client|list', 'monitor'}


class RedisError(RuntimeError):
    pass


class Redis:
    """One blocking RESP2 connection: r('INFO', 'commandstats') -> reply."""

    def __init__(self, port, timeout=60.0):
        self.sock = socket.create_connection(('127.0.0.1', port), timeout=timeout)
        self.rfile = self.sock.makefile('rb')

    def __call__(self, *args):
        parts = [a if isinstance(a, bytes) else str(a).encode() for a in args]
        self.sock.sendall(b'*%d\r\n' % len(parts) +
                          b''.join(b'$%d\r\n%s\r\n' % (len(p), p) for p in parts))
        return self._read()

    def _read(self):
        line = self.rfile.readline()
        if not line:
            raise RedisError('connection closed')
        kind, rest = line[:1], line[1:-2]
        if kind == b'+':
            return rest.decode()
        if kind == b'-':
            raise RedisError(rest.decode())
        if kind == b':':
            return int(rest)
        if kind == b'$':
            n = int(rest)
            return None if n < 0 else self.rfile.read(n + 2)[:-2]
        if kind == b'*':
            n = int(rest)
            return None if n < 0 else [self._read() for _ in range(n)]
        raise RedisError(f'bad reply line {line!r}')

    def close(self):
        self.rfile.close()
        self.sock.close()


def commandstats(r):
    """{command (lower case, 'client|list' form): calls} since the server started."""
    out = {}
    for line in r('INFO', 'commandstats').decode().splitlines():
        if line.startswith('cmdstat_'):
            name, fields = line[len('cmdstat_'):].split(':', 1)
            out[name] = int(fields.split('calls=', 1)[1].split(',', 1)[0])
    return out


def diff_counts(before, after, skip=OWN_COMMANDS):
    d = {k: after.get(k, 0) - before.get(k, 0) for k in set(before) | set(after)}
    return {k: v for k, v in sorted(d.items()) if v and k not in skip}


def cpu_ns(pid):
    """CPU time of every thread of pid in ns (schedstat: far finer than utime+stime's ticks)."""
    total = 0
    for tid in os.listdir(f'/proc/{pid}/task'):
        try:
            with open(f'/proc/{pid}/task/{tid}/schedstat') as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass  # a thread that ended since the listing
    return total


_SS_HEAD = re.compile(r'\S+:(\d+)\s+\S+:\d+\s+users:\(\("([^"]+)",pid=(\d+)')
_SS_FIELD = re.compile(r'\b(bytes_sent|bytes_received|data_segs_out|data_segs_in):(\d+)')


def tcp_clients(redis_port):
    """{client port: {'pid', 'name', 'bytes_sent', 'bytes_received', 'data_segs_out', ...}} for
    every established connection to redis_port, from the client's side of the socket."""
    out = subprocess.run(['ss', '-tinpH', 'state', 'established', f'( dport = :{redis_port} )'],
                         capture_output=True, text=True, timeout=30).stdout
    sockets, current = {}, None
    for line in out.splitlines():
        head = _SS_HEAD.search(line)
        if head:
            current = {'pid': int(head.group(3)), 'name': head.group(2)}
            sockets[int(head.group(1))] = current
        elif current is not None:
            current.update({k: int(v) for k, v in _SS_FIELD.findall(line)})
    return sockets


def wire_delta(before, after, pid, skip_ports=()):
    """Sum of the TCP counters' growth over pid's sockets (a socket opened in between counts
    from 0). data_segs_out ~ writes: one per command or pipeline, one per 64 KiB beyond."""
    total = {'data_segs_out': 0, 'bytes_sent': 0, 'bytes_received': 0}
    for port, s in after.items():
        if s['pid'] != pid or port in skip_ports:
            continue
        b = before.get(port, {})
        for k in total:
            total[k] += s.get(k, 0) - b.get(k, 0)
    return total


_MON = re.compile(rb'^\d+\.\d+ \[\d+ ([^\]]+)\] "([^"]*)"(?: "((?:[^"\\]|\\.)*)")?')


class Monitor:
    """`redis-cli MONITOR` into a file; window() returns the commands between two fences."""

    def __init__(self, stack, redis_port, redis_conn):
        self.path = os.path.join(stack.state, 'monitor.log')
        self.r = redis_conn
        self.fences = 0
        self.proc = stack.spawn('monitor', ['redis-cli', '-p', str(redis_port), 'MONITOR'])
        deadline = time.monotonic() + 15
        while True:  # MONITOR is active once a fence shows in its output
            try:
                self.offset = self.fence(deadline_s=1)
                break
            except RuntimeError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise

    def fence(self, deadline_s=60):
        """ECHO a unique marker and wait until MONITOR has written it: every command executed
        before is in the file before the returned offset."""
        self.fences += 1
        name = b'queuemon-scale-fence-%d' % self.fences
        self.r('ECHO', name)
        marker = b'"' + name + b'"'
        start = getattr(self, 'offset', 0)
        deadline = time.monotonic() + deadline_s
        with open(self.path, 'rb') as f:
            f.seek(start)
            tail = b''
            while time.monotonic() < deadline:
                chunk = f.read()
                if not chunk:
                    time.sleep(0.05)  # polling a condition with a deadline
                    continue
                tail += chunk
                at = tail.find(marker)
                if at >= 0 and tail.find(b'\n', at) >= 0:
                    return start + tail.find(b'\n', at) + 1
                cut = max(0, tail.rfind(b'\n'))  # keep only the unfinished last line
                start += cut
                tail = tail[cut:]
        raise RuntimeError(f'MONITOR did not log fence {self.fences} in {deadline_s} s')

    def window(self):
        """Lines since the previous window: [(client port, COMMAND, first argument)]."""
        start = self.offset
        self.offset = self.fence()
        with open(self.path, 'rb') as f:
            f.seek(start)
            data = f.read(self.offset - start)
        out = []
        for line in data.splitlines():
            m = _MON.match(line)
            if m and b'queuemon-scale-fence' not in line:
                port = m.group(1).rsplit(b':', 1)[-1]
                out.append((int(port) if port.isdigit() else None, m.group(2).decode().upper(),
                            m.group(3) or b''))
        return out
