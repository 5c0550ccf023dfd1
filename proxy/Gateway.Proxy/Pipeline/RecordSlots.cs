namespace Gateway.Proxy.Pipeline;

/// <summary>A small index per record type, so that a request's records are an array, not a dictionary.</summary>
internal static class RecordSlots
{
    /// <summary>Enough for the stages' records without growing.</summary>
    public const int Initial = 16;

    private static int s_next = -1;

    public static int Of<TRecord>() => Slot<TRecord>.Index;

    private static class Slot<TRecord>
    {
        public static readonly int Index = Interlocked.Increment(ref s_next);
    }
}
