"""scripts/instr_budget.py: per-line and per-function sums from a callgrind dump, inlined code
included, calls' inclusive costs not counted twice, bad input refused."""
import os
import subprocess
import sys
import tempfile
import unittest

SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "instr_budget.py")
sys.path.insert(0, os.path.dirname(SCRIPT))
import instr_budget  # noqa: E402

HEADER = """\
inline void push(int* q) {
  *q = 1;
  *q += 2;
}
"""
SCENARIO = """\
void run(int* q) {
  push(q);
}
"""


class Budget(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        d = self.dir.name
        os.makedirs(os.path.join(d, "runtime"))
        os.makedirs(os.path.join(d, "scenarios"))
        with open(os.path.join(d, "runtime", "q.hpp"), "w") as f:
            f.write(HEADER)
        with open(os.path.join(d, "scenarios", "s.cpp"), "w") as f:
            f.write(SCENARIO)
        # run() at scenarios/s.cpp:1-2 with push() inlined from runtime/q.hpp:2-3, and one call
        # whose inclusive cost (1000) must not be counted again.
        self.dump = os.path.join(d, "cg.out.1")
        with open(self.dump, "w") as f:
            f.write(f"""# callgrind format
positions: instr line
events: Ir
fl=(1) {d}/scenarios/s.cpp
fn=(1) run
0x1000 1 100
fi=(2) {d}/runtime/q.hpp
+4 +1 200
+4 +1 300
fe=(1)
+4 -1 100
cfl=(1)
cfn=(3) other
calls=10 0x2000 5
+4 * 1000
""")

    def tearDown(self):
        self.dir.cleanup()

    def test_lines_include_inlined_code_and_skip_inclusive_call_costs(self):
        cost = instr_budget.parse(self.dump)
        d = self.dir.name
        self.assertEqual(cost[(f"{d}/runtime/q.hpp", 2)], 200)
        self.assertEqual(cost[(f"{d}/runtime/q.hpp", 3)], 300)
        self.assertEqual(cost[(f"{d}/scenarios/s.cpp", 1)], 100)
        self.assertEqual(cost[(f"{d}/scenarios/s.cpp", 2)], 100)
        self.assertEqual(sum(cost.values()), 700)

    def test_report_per_operation_by_function(self):
        out = subprocess.run([sys.executable, SCRIPT, self.dump, "--ops", "100", "--root",
                              self.dir.name], capture_output=True, text=True, check=True).stdout
        self.assertIn("7.0  instructions per operation", out)
        self.assertIn("5.0  runtime/q.hpp: push", out)
        self.assertIn("2.0  scenarios/s.cpp", out)

    def test_a_dump_without_line_costs_is_refused(self):
        empty = os.path.join(self.dir.name, "empty")
        with open(empty, "w") as f:
            f.write("# callgrind format\nevents: Ir\n")
        r = subprocess.run([sys.executable, SCRIPT, empty], capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("no per-line costs", r.stderr)
        r = subprocess.run([sys.executable, SCRIPT, empty + ".missing"], capture_output=True,
                           text=True)
        self.assertEqual(r.returncode, 2)


if __name__ == "__main__":
    unittest.main()
