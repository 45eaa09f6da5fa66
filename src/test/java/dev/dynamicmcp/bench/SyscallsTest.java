package dev.dynamicmcp.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The bench report's reading of an {@code strace -f -c} summary, in the layout strace 6 prints. */
class SyscallsTest {

    private static final String SUMMARY = """
            strace: Process 20417 attached with 36 threads
            % time     seconds  usecs/call     calls    errors syscall
            ------ ----------- ----------- --------- --------- ------------------
             73.02   24.882909        1877     13254       504 futex
              7.36    2.508303         292      8582           epoll_wait
              3.64    1.239190          40     30505           writev
              3.03    1.032911          21     48058     15205 read
              0.16    0.053038          22      2331           write
            ------ ----------- ----------- --------- --------- ------------------
            100.00   34.075679         264    102730     15709 total
            strace: Process 20459 detached
            """;

    @Test
    void readsEachSyscallsCallsAndErrorsAndLeavesOutTheTotalAndStracesOwnLines() {
        Syscalls parsed = Syscalls.parse(SUMMARY);

        assertThat(parsed.bySyscall()).containsOnlyKeys("futex", "epoll_wait", "writev", "read", "write");
        assertThat(parsed.bySyscall().get("read")).isEqualTo(new Syscalls.Counts(48058, 15205));
        assertThat(parsed.bySyscall().get("writev")).isEqualTo(new Syscalls.Counts(30505, 0));
        assertThat(parsed.total()).isEqualTo(102730);
        assertThat(parsed.errors("read")).isEqualTo(15205);
    }

    @Test
    void addsUpSyscallsNamedTogetherAndCountsOnesNeverMadeAsZero() {
        Syscalls parsed = Syscalls.parse(SUMMARY);

        assertThat(parsed.calls("epoll_wait", "epoll_pwait")).isEqualTo(8582);
        assertThat(parsed.calls("sendmsg")).isZero();
        assertThat(parsed.errors("sendmsg")).isZero();
    }
}
