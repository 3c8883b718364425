package dev.safeupdater.api;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

import io.helidon.common.media.type.MediaType;
import io.helidon.common.media.type.MediaTypes;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * Content negotiation and streaming for every list: {@code Accept: text/csv} (preferred over JSON by the client)
 * gets the whole filtered listing as CSV, written to the response as the rows are read (chunked, constant memory);
 * anything else gets the JSON page. The response stream is opened at the first byte, so invalid input found by the
 * service before it writes still becomes a problem+json answer.
 */
final class CsvResponse {
    static final MediaType TEXT_CSV = MediaTypes.create("text", "csv");
    private static final int BUFFER = 64 * 1024;

    private CsvResponse() {
    }

    /** Whether the client prefers CSV over JSON. */
    static boolean wanted(ServerRequest req) {
        return req.headers().bestAccepted(MediaTypes.APPLICATION_JSON, TEXT_CSV)
                .map(TEXT_CSV::equals).orElse(false);
    }

    /** Sends what {@code export} writes as {@code text/csv}, offered for download as {@code name}.csv. */
    static void send(ServerResponse res, String name, Consumer<Writer> export) {
        try (Writer out = new LazyWriter(res, name)) {
            export.accept(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Opens the response stream (and so commits status and headers) only when the first character is written. */
    private static final class LazyWriter extends Writer {
        private final ServerResponse res;
        private final String name;
        private Writer out;

        LazyWriter(ServerResponse res, String name) {
            this.res = res;
            this.name = name;
        }

        private Writer out() {
            if (out == null) {
                res.status(200);
                res.header(HeaderNames.CONTENT_TYPE, "text/csv; charset=utf-8");
                res.header(HeaderNames.CONTENT_DISPOSITION, "attachment; filename=\"" + name + ".csv\"");
                out = new BufferedWriter(new OutputStreamWriter(res.outputStream(), StandardCharsets.UTF_8), BUFFER);
            }
            return out;
        }

        @Override
        public void write(char[] buf, int off, int len) throws IOException {
            out().write(buf, off, len);
        }

        @Override
        public void write(String s) throws IOException {
            out().write(s);
        }

        @Override
        public void write(int c) throws IOException {
            out().write(c);
        }

        @Override
        public void flush() throws IOException {
            out().flush();
        }

        @Override
        public void close() throws IOException {
            out().close();
        }
    }
}
