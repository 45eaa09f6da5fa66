package dev.dynamicmcp.manager;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.McpException;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;

/** What counts against a server: only failures to reach it, never its own error answers, whatever their code. */
class CallOutcomeTest {

    @Test
    void aServersOwnErrorInTheServerErrorRangeIsAnAnswerNotAFailure() {
        assertThat(CallPolicy.classify(new McpException(JsonRpc.REQUEST_TIMEOUT, "the backend timed out")))
                .isEqualTo(CallOutcome.ERROR_ANSWER);
        assertThat(CallPolicy.classify(new McpException(JsonRpc.CONNECTION_CLOSED, "database connection closed")))
                .isEqualTo(CallOutcome.ERROR_ANSWER);
    }

    @Test
    void failuresToReachTheServerCountAgainstIt() {
        assertThat(CallPolicy.classify(McpException.local(JsonRpc.REQUEST_TIMEOUT, "no answer", null)))
                .isEqualTo(CallOutcome.TIMEOUT);
        assertThat(CallPolicy.classify(McpException.local(JsonRpc.CONNECTION_CLOSED, "process exited", null)))
                .isEqualTo(CallOutcome.CONNECTION_FAILED);
        assertThat(CallPolicy.classify(McpException.fromError(dev.dynamicmcp.protocol.Json.object()
                .put("code", JsonRpc.INTERNAL_ERROR).put("message", "stream ended early")
                .set("data", dev.dynamicmcp.protocol.Json.object().put("transport", true)))))
                .as("an answer our HTTP transport made up for a lost response").isEqualTo(CallOutcome.CONNECTION_FAILED);
        assertThat(CallPolicy.classify(new CancellationException("stop"))).isEqualTo(CallOutcome.CANCELLED);
    }
}
