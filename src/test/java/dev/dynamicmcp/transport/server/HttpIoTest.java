package dev.dynamicmcp.transport.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HttpIoTest {

    @ParameterizedTest(name = "[{0}] lists {1}: {2}")
    @CsvSource(delimiter = '|', value = {
            "application/json, text/event-stream | application/json  | true",
            "application/json, text/event-stream | text/event-stream | true",
            "text/event-stream,application/json  | application/json  | true",
            "Application/JSON;q=0.9              | application/json  | true",
            "'  text/event-stream ; q=1 '        | text/event-stream | true",
            "text/html;a=b, application/json;x=1 | application/json  | true",
            "application/jsonx                   | application/json  | false",
            "application/json-seq                | application/json  | false",
            "text/*                              | text/event-stream | false",
            "'x;application/json'                | application/json  | false",
            "',,'                                | application/json  | false",
            "''                                  | application/json  | false"})
    void anAcceptHeaderListsAMediaType(String header, String mediaType, boolean listed) {
        assertThat(HttpIo.listsMediaType(header, mediaType)).isEqualTo(listed);
    }
}
