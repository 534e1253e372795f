# gdb -batch -x scripts/symbol-order.py --args MINIRUN ARGS...
#
# Appends to $ORDER_OUT the functions of MINIRUN that run, one symbol per
# line in the order they first run. It follows one process: the first one,
# or with ORDER_FOLLOW=child the child of its first fork (the container init
# or exec helper). A breakpoint sits on every function and is disabled at
# its first hit, so the trace costs seconds, not the run's every call.
import os
import subprocess

import gdb

exe = gdb.current_progspace().filename
out = os.environ["ORDER_OUT"]
follow = os.environ.get("ORDER_FOLLOW", "parent")

functions = {}
nm = subprocess.run(["nm", "--defined-only", exe], capture_output=True, text=True, check=True)
for line in nm.stdout.splitlines():
    fields = line.split()
    if len(fields) == 3 and fields[1] in "tTwW":
        functions.setdefault(int(fields[0], 16), fields[2])

order = []
exec_seen = False
exit_codes = []
gdb.events.exited.connect(lambda event: exit_codes.append(getattr(event, "exit_code", None)))


class FirstHit(gdb.Breakpoint):
    def stop(self):
        order.append(self.symbol)
        self.enabled = False
        return False


for command in ("set pagination off", "set confirm off", "set detach-on-fork on",
                "set follow-fork-mode " + follow, "set follow-exec-mode same", "starti"):
    gdb.execute(command, to_string=True)
# Where the binary is loaded (gdb turns randomisation off, but a static PIE
# and a dynamic one land in different places): its first mapping.
base = None
for line in gdb.execute("info proc mappings", to_string=True).splitlines():
    fields = line.split()
    if len(fields) >= 5 and fields[-1] == exe and fields[0].startswith("0x"):
        base = int(fields[0], 16)
        break
if base is None:
    print("symbol-order.py: cannot find where", exe, "is mapped")
    gdb.execute("quit 1")
for address, symbol in functions.items():
    FirstHit("*0x%x" % (base + address), internal=True).symbol = symbol
while gdb.selected_inferior().pid:
    try:
        gdb.execute("continue", to_string=True)
    except gdb.error:
        # exec'd into the container's program, whose symbols are not ours
        # (gdb cannot put our breakpoints back): let it run on untraced.
        exec_seen = True
        if gdb.selected_inferior().pid:
            gdb.execute("detach", to_string=True)
        break
with open(out, "a") as f:
    f.writelines(symbol + "\n" for symbol in order)
if not exec_seen and exit_codes[-1:] != [0]:
    print("symbol-order.py: the traced process exited with", exit_codes)
    gdb.execute("quit 1")
