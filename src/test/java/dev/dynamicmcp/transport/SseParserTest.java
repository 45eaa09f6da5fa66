package dev.dynamicmcp.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The push parser fed as a network delivers: in pieces cut anywhere, including inside a CRLF or a character. */
class SseParserTest {
    private static final String STREAM = "id: 1\r\nevent: message\r\ndata: {\"text\":\"grüße 日本 🙂\",\r\n"
            + "data: \"n\":1}\r\n\r\n: a comment\rretry: 1500\rdata: second\r\rdata:third\n\n";

    @Test
    void everyWayOfCuttingTheStreamGivesTheSameEvents() throws IOException {
        byte[] bytes = STREAM.getBytes(StandardCharsets.UTF_8);
        List<SseEvent> whole = feedInPieces(bytes, bytes.length);
        assertThat(whole).containsExactly(
                new SseEvent("1", "message", "{\"text\":\"grüße 日本 🙂\",\n\"n\":1}"),
                new SseEvent("1", "message", "second"),
                new SseEvent("1", "message", "third"));
        for (int cut = 1; cut < bytes.length; cut++) { // two pieces, cut at every byte
            List<SseEvent> events = new ArrayList<>();
            SseParser parser = new SseParser(1024);
            parser.feed(ByteBuffer.wrap(bytes, 0, cut), events::add);
            parser.feed(ByteBuffer.wrap(bytes, cut, bytes.length - cut), events::add);
            assertThat(events).as("cut at byte %d", cut).isEqualTo(whole);
            assertThat(parser.retryMillis()).isEqualTo(1500);
            List<SseEvent> fromDirect = new ArrayList<>();
            SseParser direct = new SseParser(1024);
            direct.feed(directBuffer(bytes, 0, cut), fromDirect::add);
            direct.feed(directBuffer(bytes, cut, bytes.length - cut), fromDirect::add);
            assertThat(fromDirect).as("direct buffers cut at byte %d", cut).isEqualTo(whole);
        }
        assertThat(feedInPieces(bytes, 1)).as("one byte at a time").isEqualTo(whole);
    }

    @Test
    void aCrlfSplitBetweenReadsIsOneLineEndNotABlankLine() throws IOException {
        List<SseEvent> events = new ArrayList<>();
        SseParser parser = new SseParser(1024);
        parser.feed(ByteBuffer.wrap("data: a\r".getBytes(StandardCharsets.UTF_8)), events::add);
        parser.feed(ByteBuffer.wrap("\ndata: b\r\n".getBytes(StandardCharsets.UTF_8)), events::add);
        assertThat(events).as("no blank line yet: one event still open").isEmpty();
        parser.feed(ByteBuffer.wrap("\r\n".getBytes(StandardCharsets.UTF_8)), events::add);
        assertThat(events).extracting(SseEvent::data).containsExactly("a\nb");
    }

    /** A line over the size the parser keeps its buffer at between events (64 KB), then a small one. */
    @Test
    void aHugeLineIsReadWholeAndTheNextEventsStillParse() throws IOException {
        String big = "é".repeat(100_000);
        byte[] bytes = ("data: " + big + "\n\ndata: small\n\n").getBytes(StandardCharsets.UTF_8);
        assertThat(feedInPieces(bytes, 4096)).extracting(SseEvent::data).containsExactly(big, "small");
    }

    @Test
    void aDirectBufferIsReadAsAHeapOne() throws IOException {
        byte[] bytes = "data: x\n\n".getBytes(StandardCharsets.UTF_8);
        ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
        List<SseEvent> events = new ArrayList<>();
        new SseParser(1024).feed(direct, events::add);
        assertThat(events).extracting(SseEvent::data).containsExactly("x");
        assertThat(direct.hasRemaining()).isFalse();
    }

    /** The data stays the bytes sent (a JSON parse of them names bad ones); as text they become U+FFFD. */
    @Test
    void bytesThatAreNotUtf8AreKeptAndReadAsReplacementCharacters() throws IOException {
        List<SseEvent> events = new ArrayList<>();
        byte[] bytes = {'d', 'a', 't', 'a', ':', (byte) 0xC3, '(', '\n', '\n'};
        new SseParser(1024).feed(ByteBuffer.wrap(bytes), events::add);
        assertThat(events).singleElement().satisfies(event -> {
            assertThat(event.bytes()).containsExactly(0xC3, '(');
            assertThat(event.data()).isEqualTo("\uFFFD(");
        });
    }

    @Test
    void anEventOfOnlyWhiteSpaceIsBlankAndOneWithAnyTextIsNot() throws IOException {
        List<SseEvent> events = new ArrayList<>();
        new SseParser(1024).feed(ByteBuffer.wrap("id: p\ndata:\n\ndata:  \t\ndata:\n\ndata: {}\n\n".getBytes()),
                events::add);
        assertThat(events).extracting(SseEvent::blank).containsExactly(true, true, false);
    }

    @Test
    void aLineOrAnEventOverTheLimitIsRefusedNamingIt() {
        SseParser lines = new SseParser(16);
        assertThatThrownBy(() -> lines.feed(ByteBuffer.wrap(("data: " + "x".repeat(11)).getBytes()), e -> { }))
                .isInstanceOf(IOException.class).hasMessage("an SSE line longer than 16 bytes");
        SseParser events = new SseParser(16);
        assertThatThrownBy(() -> events.feed(ByteBuffer.wrap("data: 12345678\ndata: 12345678\n".getBytes()), e -> { }))
                .isInstanceOf(IOException.class).hasMessage("an SSE event larger than 16 bytes");
    }

    /** The HTTP client's buffers are direct: read in place, not through an array. */
    private static ByteBuffer directBuffer(byte[] bytes, int offset, int length) {
        return ByteBuffer.allocateDirect(length).put(bytes, offset, length).flip();
    }

    private static List<SseEvent> feedInPieces(byte[] bytes, int piece) throws IOException {
        List<SseEvent> events = new ArrayList<>();
        SseParser parser = new SseParser(1024 * 1024);
        for (int at = 0; at < bytes.length; at += piece) {
            parser.feed(bytes, at, Math.min(piece, bytes.length - at), events::add);
        }
        return events;
    }
}
