"""mitmproxy addon for the benchmark: adds the same header nexus-proxy injects."""
import os


class InjectHeader:
    def __init__(self):
        self.value = os.environ.get("BENCH_INJECT_VALUE", "bench-secret")

    def request(self, flow):
        flow.request.headers["X-Bench-Key"] = self.value


addons = [InjectHeader()]
