#!/usr/bin/python3
"""One CRI call, as kubelet makes it, for tests/engines/k8s_test.cpp.

Usage: cri.py SOCKET STUBS_DIR METHOD [REQUEST_JSON]

Sends METHOD (RuntimeService or ImageService, e.g. RunPodSandbox) over gRPC
to the unix socket SOCKET, with the request given as JSON in the CRI's field
names, and prints the response as JSON: every field, also those at their
default value (exit_code 0, state SANDBOX_READY), 64-bit integers as strings
(protobuf's JSON mapping), bytes (ExecSync's stdout) as text.  A failed call
prints "cri.py: METHOD: CODE: details" on stderr and exits 1.

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


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__.strip().splitlines()[2])
    socket, stubs_dir, method = sys.argv[1:4]
    request = json.loads(sys.argv[4]) if len(sys.argv) == 5 else {}
    pb, rpc = load_stubs(stubs_dir)
    import grpc
    from google.protobuf import json_format

    for service in ("RuntimeService", "ImageService"):
        desc = pb.DESCRIPTOR.services_by_name[service]
        if method in desc.methods_by_name:
            break
    else:
        sys.exit("cri.py: %s is not in cri.proto" % method)
    req = getattr(pb, desc.methods_by_name[method].input_type.name)()
    json_format.ParseDict(request, req)
    with grpc.insecure_channel("unix://" + socket) as channel:
        stub = getattr(rpc, service + "Stub")(channel)
        try:
            resp = getattr(stub, method)(req, timeout=60)
        except grpc.RpcError as e:
            print("cri.py: %s: %s: %s" % (method, e.code().name, e.details()), file=sys.stderr)
            return 1
    out = json_format.MessageToDict(resp, preserving_proto_field_name=True,
                                    including_default_value_fields=True)
    # Bytes (ExecSync's stdout and stderr) as text, not JSON's base64.
    for field in resp.DESCRIPTOR.fields:
        if field.type == field.TYPE_BYTES:
            out[field.name] = getattr(resp, field.name).decode("utf-8", "replace")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
