package dev.dynamicmcp.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseReaderTest {
    private static SseReader reader(String stream) {
        return new SseReader(new ByteArrayInputStream(stream.getBytes(StandardCharsets.UTF_8)), 1024);
    }

    private static List<SseEvent> all(SseReader reader) throws IOException {
        List<SseEvent> events = new ArrayList<>();
        SseEvent event;
        while ((event = reader.next()) != null) {
            events.add(event);
        }
        return events;
    }

    @Test
    void joinsDataLinesAndAcceptsEveryLineEnding() throws IOException {
        SseReader reader = reader("data: {\"a\":\r\ndata: 1}\r\n\r\nevent: endpoint\rdata:/messages\r\r"
                + ": comment\nid: 42\ndata:x\n\n");

        assertThat(all(reader)).containsExactly(
                new SseEvent(null, "message", "{\"a\":\n1}"),
                new SseEvent(null, "endpoint", "/messages"),
                new SseEvent("42", "message", "x"));
    }

    @Test
    void aPrimingEventWithoutDataIsNotDispatchedButItsIdAndRetryAreKept() throws IOException {
        SseReader reader = reader("id: prime-1\nretry: 2500\ndata:\n\nid: 2\n\n");
        // "data:" with an empty value is an event with empty data; "id: 2" alone is not an event
        assertThat(all(reader)).containsExactly(new SseEvent("prime-1", "message", ""));
        assertThat(reader.lastEventId()).isEqualTo("2");
        assertThat(reader.retryMillis()).isEqualTo(2500);
    }

    @Test
    void anUnterminatedEventAtTheEndOfTheStreamIsDropped() throws IOException {
        assertThat(all(reader("data: complete\n\ndata: cut off"))).extracting(SseEvent::data).containsExactly("complete");
    }

    @Test
    void aRetryThatIsNotANumberIsIgnored() throws IOException {
        SseReader reader = reader("retry: soon\ndata: x\n\n");
        all(reader);
        assertThat(reader.retryMillis()).isEqualTo(-1);
    }
}
