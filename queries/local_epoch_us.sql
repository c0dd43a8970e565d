-- local_epoch_us(local_time, zone): a wall-clock time of the extract (local time in `zone`,
-- no offset) as microseconds since the epoch, read as the contract says: a time in the hour
-- repeated in autumn is its first occurrence, a time skipped in spring reads as the hour
-- after (as Python's zoneinfo reads them with fold=0). DuckDB's timezone() alone takes the
-- second occurrence, so the hour before is tried too: when it gives the same wall-clock
-- time, the earlier of the two instants is the first occurrence. Created at load, for the
-- queries that count elapsed hours (first_contact_episodes.sql).
CREATE MACRO local_epoch_us(local_time, zone) AS
    CASE WHEN timezone(zone, timezone(zone, local_time - INTERVAL 1 HOUR) + INTERVAL 1 HOUR) = local_time
         THEN least(epoch_us(timezone(zone, local_time)),
                    epoch_us(timezone(zone, local_time - INTERVAL 1 HOUR)) + 3600000000)
         ELSE epoch_us(timezone(zone, local_time)) END
