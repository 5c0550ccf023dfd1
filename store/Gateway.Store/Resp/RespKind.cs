namespace Gateway.Store.Resp;

/// <summary>The RESP2 reply types. Null covers both the null bulk string and the null array.</summary>
internal enum RespKind
{
    Null = 0,
    SimpleString,
    Error,
    Integer,
    BulkString,
    Array,
}
