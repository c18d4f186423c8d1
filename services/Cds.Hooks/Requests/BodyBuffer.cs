using System.Buffers;

namespace Cds.Hooks.Requests;

/// <summary>Reads a body into a pooled buffer, stopping past a limit. The server's own refusals (Kestrel's body size
/// limit, a malformed chunked body) become "too large" / "unreadable" instead of an exception.</summary>
internal static class BodyBuffer
{
    public static async Task<(byte[] Buffer, int Length, bool TooLarge, bool Unreadable)> ReadAsync(Stream body, long limit, CancellationToken cancellationToken)
    {
        var cap = (int)Math.Min(limit + 1, Array.MaxLength);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(cap, 64 * 1024));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length >= cap)
                        return (buffer, length, true, false);
                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, cap));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                var read = await body.ReadAsync(buffer.AsMemory(length, Math.Min(buffer.Length, cap) - length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                    return (buffer, length, length > limit, false);
                length += read;
                if (length > limit)
                    return (buffer, length, true, false);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode != StatusCodes.Status408RequestTimeout) // a stalled body is the caller's 408
        {
            return (buffer, 0, ex.StatusCode == StatusCodes.Status413PayloadTooLarge, ex.StatusCode != StatusCodes.Status413PayloadTooLarge);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }
}
