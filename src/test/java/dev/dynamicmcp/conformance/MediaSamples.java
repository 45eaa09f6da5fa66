package dev.dynamicmcp.conformance;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import javax.imageio.ImageIO;

/** Minimal binary payloads (base64) generated at class load, so no opaque blobs live in the source. */
final class MediaSamples {
    /** A 1x1 red pixel, PNG. */
    static final String RED_PIXEL_PNG = Base64.getEncoder().encodeToString(redPixelPng());
    /** 10 ms of silence, 8 kHz mono 16-bit PCM WAV. */
    static final String SILENT_WAV = Base64.getEncoder().encodeToString(silentWav(8_000, 80));

    private MediaSamples() {
    }

    private static byte[] redPixelPng() {
        BufferedImage image = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        image.setRGB(0, 0, 0xFF0000);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "png", png)) {
                throw new IllegalStateException("no PNG writer in this JDK");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return png.toByteArray();
    }

    private static byte[] silentWav(int sampleRate, int samples) {
        int dataBytes = samples * 2;
        ByteBuffer wav = ByteBuffer.allocate(44 + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        wav.put("RIFF".getBytes(US_ASCII)).putInt(36 + dataBytes)
                .put("WAVE".getBytes(US_ASCII))
                .put("fmt ".getBytes(US_ASCII)).putInt(16)
                .putShort((short) 1)            // PCM
                .putShort((short) 1)            // mono
                .putInt(sampleRate)
                .putInt(sampleRate * 2)         // byte rate
                .putShort((short) 2)            // block align
                .putShort((short) 16)           // bits per sample
                .put("data".getBytes(US_ASCII)).putInt(dataBytes);
        return wav.array(); // the sample bytes are already zero: silence
    }
}
