-- Issue 17: video meetings. A provider's video configuration: none, one fixed personal room, or rooms generated per
-- booking from a URL template holding {room} (by default a Jitsi room). Confirmed bookings at online venues get
-- their link at read time: generated rooms are derived from the booking id under the server's key (unguessable,
-- stable, nothing to store), and a rescheduled booking, a new booking, gets a new room.
ALTER TABLE provider ADD COLUMN video_mode text NOT NULL DEFAULT 'none' CHECK (video_mode IN ('none', 'fixed', 'generated')),
    ADD COLUMN video_url text CHECK (length(video_url) <= 500 AND video_url LIKE 'https://%'),
    ADD CHECK (video_mode <> 'fixed' OR video_url IS NOT NULL);
