-- From review: a generated room needs a template holding {room}; the database holds to it as the API does.
ALTER TABLE provider ADD CHECK (video_mode <> 'generated' OR video_url LIKE '%{room}%');
