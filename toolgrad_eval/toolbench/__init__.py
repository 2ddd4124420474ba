"""ToolBench / StableToolBench: solvable pass rate (SoPR) and win rate (SoWR) with the cached judge."""
