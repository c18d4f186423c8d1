using System.Collections.Concurrent;

namespace Cds.Hooks.Security;

/// <summary>
/// This instance's own record of jtis seen while the shared replay store is unreachable. Bounded: when full, expired
/// entries are dropped first, then the oldest-expiring ones.
/// </summary>
internal sealed class LocalReplayCache(int capacity)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);

    public int Count => _seen.Count;

    /// <summary>True when (tenant, jti) was not seen before (or its earlier use has expired).</summary>
    public bool TryRegister(string tenant, string jti, DateTimeOffset expiresAt, DateTimeOffset now)
    {
        var key = tenant + "\n" + jti;
        if (_seen.TryGetValue(key, out var existing) && existing > now)
        {
            return false;
        }
        if (_seen.Count >= capacity)
        {
            Trim(now);
        }
        // A concurrent first use of the same jti: only one caller adds it.
        return existing == default ? _seen.TryAdd(key, expiresAt) : _seen.TryUpdate(key, expiresAt, existing);
    }

    private void Trim(DateTimeOffset now)
    {
        foreach (var (key, expires) in _seen)
        {
            if (expires <= now)
            {
                _seen.TryRemove(key, out _);
            }
        }
        foreach (var (key, _) in _seen.OrderBy(kv => kv.Value).Take(Math.Max(0, _seen.Count - (capacity * 9 / 10))))
        {
            _seen.TryRemove(key, out _);
        }
    }
}
