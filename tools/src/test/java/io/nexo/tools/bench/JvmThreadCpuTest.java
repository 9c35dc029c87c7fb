package io.nexo.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Reading the JVM's own threads' CPU from /proc: the stat line's fields and the grouping by name. */
class JvmThreadCpuTest {

    /** A real line of a C2 thread: a name with a space, the clock ticks in fields 14 and 15. */
    private static final String C2_LINE = "4242 (C2 CompilerThre) S 4200 4200 31 0 -1 4194368 9001 0 0 0 "
            + "1234 56 0 0 20 0 30 0 7000 5000000000 30000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 -1 1 0 0 0 0 0";

    @Test
    void utimeAndStimeAreFieldsFourteenAndFifteen() {
        assertThat(JvmThreadCpu.commOf(C2_LINE)).isEqualTo("C2 CompilerThre");
        assertThat(JvmThreadCpu.ticksOf(C2_LINE)).isEqualTo(1234 + 56);
    }

    @Test
    void aNameHoldingParenthesesIsReadToTheLastOne() {
        String line = C2_LINE.replace("(C2 CompilerThre)", "(a) b (c)");
        assertThat(JvmThreadCpu.commOf(line)).isEqualTo("a) b (c");
        assertThat(JvmThreadCpu.ticksOf(line)).isEqualTo(1234 + 56);
    }

    @Test
    void compilerAndCollectorThreadsAreGroupedOthersAreNot() {
        assertThat(JvmThreadCpu.groupOf("C1 CompilerThre")).isEqualTo(JvmThreadCpu.JIT);
        assertThat(JvmThreadCpu.groupOf("C2 CompilerThre")).isEqualTo(JvmThreadCpu.JIT);
        assertThat(JvmThreadCpu.groupOf("GC Thread#1")).isEqualTo(JvmThreadCpu.GC);
        assertThat(JvmThreadCpu.groupOf("VM Thread")).isEqualTo(JvmThreadCpu.GC);
        assertThat(JvmThreadCpu.groupOf("nexo-peer-1-2")).isNull();
        assertThat(JvmThreadCpu.groupOf("java")).isNull();
    }

    /** This JVM's own compilers and collector are found (JUnit's start-up alone took compiling). */
    @Test
    void thisJvmsCompilerThreadsAreFound() {
        assertThat(JvmThreadCpu.now()).containsKey(JvmThreadCpu.GC)
                .hasEntrySatisfying(JvmThreadCpu.JIT, nanos -> assertThat(nanos).isPositive());
    }
}
