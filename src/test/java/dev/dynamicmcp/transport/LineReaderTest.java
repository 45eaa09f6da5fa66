package dev.dynamicmcp.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LineReaderTest {
    private static String text(LineReader reader) {
        return new String(reader.bytes(), 0, reader.length(), StandardCharsets.UTF_8);
    }

    @Test
    void splitsOnNewlineDropsCarriageReturnAndKeepsAFinalUnterminatedLine() throws IOException {
        LineReader reader = new LineReader(new ByteArrayInputStream("one\r\ntwo\n\nthree".getBytes()), 100);

        assertThat(reader.next()).isTrue();
        assertThat(text(reader)).isEqualTo("one");
        assertThat(reader.next()).isTrue();
        assertThat(text(reader)).isEqualTo("two");
        assertThat(reader.next()).isTrue();
        assertThat(reader.length()).isZero();
        assertThat(reader.next()).isTrue();
        assertThat(text(reader)).isEqualTo("three");
        assertThat(reader.next()).isFalse();
    }

    @Test
    void aLineOverTheLimitIsFlaggedAndTheNextLineIsReadWhole() throws IOException {
        String input = "x".repeat(500) + "\n{\"ok\":1}\n";
        LineReader reader = new LineReader(new ByteArrayInputStream(input.getBytes()), 100);

        assertThat(reader.next()).isTrue();
        assertThat(reader.tooLong()).isTrue();
        assertThat(reader.fullLength()).isEqualTo(500);
        assertThat(reader.length()).isEqualTo(100);
        assertThat(reader.next()).isTrue();
        assertThat(reader.tooLong()).isFalse();
        assertThat(text(reader)).isEqualTo("{\"ok\":1}");
    }
}
