"""Runs the reference's own pytest suite against a TypeScript server.

Loaded with `-p sparrow_pytest_plugin`. The suite starts its listening
servers through tests/listening_server_runner.ListeningServerRunner; this
plugin puts a runner in its place that starts the command in
SPARROW_TS_SERVER (a JSON argv: test/interop/ts-reference-server.ts) with the
same --tcp_port/--ws_port/--uds_path arguments, and waits until every
socket accepts (the suite's own 2 s sleep stays). Nothing of the suite is
changed: its tests, fixtures and ports are the reference's.
"""
import json
import os
import socket
import subprocess
import sys
import time

import sparrowrpc

TESTS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(sparrowrpc.__file__)))), 'tests')
sys.path.insert(0, TESTS_DIR)

import listening_server_runner  # noqa: E402  (the reference's module, patched below)


def _accepts(family, address):
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.settimeout(1)
        try:
            probe.connect(address)
            return True
        except OSError:
            return False


class TsListeningServerRunner:
    def __init__(self, pyfile_path, proc_arg_list, *args, **kwargs):
        self.proc_arg_list = proc_arg_list
        self.sub_proc = None

    def start(self):
        argv = json.loads(os.environ['SPARROW_TS_SERVER']) + self.proc_arg_list
        self.sub_proc = subprocess.Popen(argv, cwd=os.environ.get('SPARROW_PROJECT_ROOT'), stdout=subprocess.DEVNULL)
        args = dict(zip(self.proc_arg_list[::2], self.proc_arg_list[1::2]))
        wanted = [(socket.AF_INET, ('127.0.0.1', int(args[name]))) for name in ('--tcp_port', '--ws_port') if name in args]
        if '--uds_path' in args:
            wanted.append((socket.AF_UNIX, args['--uds_path']))
        deadline = time.monotonic() + 60
        for family, address in wanted:
            while not _accepts(family, address):
                if self.sub_proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f'TypeScript server did not listen at {address}')
                time.sleep(0.05)

    def stop(self):
        if self.sub_proc:
            self.sub_proc.terminate()
            try:
                self.sub_proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.sub_proc.kill()
                self.sub_proc.wait()
            self.sub_proc = None


listening_server_runner.ListeningServerRunner = TsListeningServerRunner
