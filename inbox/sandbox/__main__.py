import argparse
import time

from inbox.sandbox.server import PlatformSandbox


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the Vigie platform sandbox.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    options = parser.parse_args()
    sandbox = PlatformSandbox(host=options.host, port=options.port)
    sandbox.start()
    print(f"Platform sandbox listening on {sandbox.base_url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        sandbox.stop()


if __name__ == "__main__":
    main()
