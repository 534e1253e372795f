#!/usr/bin/python3
"""CRI calls, as kubelet makes them, for tests/engines/k8s_test.cpp.

Usage: cri.py SOCKET STUBS_DIR METHOD [REQUEST_JSON]   one call
       cri.py SOCKET STUBS_DIR -                       a call per stdin line

Sends METHOD (of RuntimeService or ImageService, e.g. RunPodSandbox) over
gRPC to the unix socket SOCKET, with the request as JSON in the CRI's field
names, and prints the response as JSON: every field, also those at their
default value (exit_code 0, state SANDBOX_READY), 64-bit integers as strings
(protobuf's JSON mapping), bytes (ExecSync's stdout) as text.  A failed call
prints "cri.py: METHOD: CODE: details" on stderr and exits 1.

With "-", each stdin line is "METHOD REQUEST_JSON" and each answer one line,
{"ok": true, "response": {...}} or {"ok": false, "error": "..."}: the test
pays for Python and grpc's start once, not per call.

The Python stubs are generated from cri.proto (beside this file) into
STUBS_DIR on first use, with grpc_tools.protoc.  Needs Debian's
python3-grpcio and python3-grpc-tools; run with /usr/bin/python3, which has
them.
"""
import json
import os
import sys


def load_stubs(stubs_dir):
    here = os.path.dirname(os.path.abspath(__file__))
    if not os.path.exists(os.path.join(stubs_dir, "cri_pb2_grpc.py")):
        from grpc_tools import protoc
        os.makedirs(stubs_dir, exist_ok=True)
        rc = protoc.main(["protoc", "-I" + here, "--python_out=" + stubs_dir,
                          "--grpc_python_out=" + stubs_dir, os.path.join(here, "cri.proto")])
        if rc != 0:
            sys.exit("cri.py: protoc failed on %s/cri.proto" % here)
    sys.path.insert(0, stubs_dir)
    import cri_pb2
    import cri_pb2_grpc
    return cri_pb2, cri_pb2_grpc


class Client:
    def __init__(self, socket, stubs_dir):
        import grpc
        from google.protobuf import json_format
        self.grpc, self.json_format = grpc, json_format
        self.pb, rpc = load_stubs(stubs_dir)
        self.channel = grpc.insecure_channel("unix://" + socket)
        self.stubs = {s: getattr(rpc, s + "Stub")(self.channel) for s in ("RuntimeService", "ImageService")}

    def call(self, method, request):
        """The response as a dict; raises RuntimeError with the error line."""
        for service in self.stubs:
            desc = self.pb.DESCRIPTOR.services_by_name[service]
            if method in desc.methods_by_name:
                break
        else:
            raise RuntimeError("cri.py: %s is not in cri.proto" % method)
        req = getattr(self.pb, desc.methods_by_name[method].input_type.name)()
        self.json_format.ParseDict(request, req)
        try:
            resp = getattr(self.stubs[service], method)(req, timeout=60)
        except self.grpc.RpcError as e:
            raise RuntimeError("cri.py: %s: %s: %s" % (method, e.code().name, e.details()))
        out = self.json_format.MessageToDict(resp, preserving_proto_field_name=True,
                                             including_default_value_fields=True)
        # Bytes (ExecSync's stdout and stderr) as text, not JSON's base64.
        for field in resp.DESCRIPTOR.fields:
            if field.type == field.TYPE_BYTES:
                out[field.name] = getattr(resp, field.name).decode("utf-8", "replace")
        return out


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit("usage: cri.py SOCKET STUBS_DIR METHOD [REQUEST_JSON] | -")
    socket, stubs_dir, method = sys.argv[1:4]
    client = Client(socket, stubs_dir)
    if method != "-":
        try:
            print(json.dumps(client.call(method, json.loads(sys.argv[4]) if len(sys.argv) == 5 else {})))
        except RuntimeError as e:
            print(e, file=sys.stderr)
            return 1
        return 0
    for line in sys.stdin:
        name, _, body = line.strip().partition(" ")
        try:
            answer = {"ok": True, "response": client.call(name, json.loads(body or "{}"))}
        except Exception as e:  # a bad request line, too: the answer says so
            answer = {"ok": False, "error": str(e)}
        print(json.dumps(answer), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
